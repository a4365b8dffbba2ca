using System.CommandLine;
using Pare.Cli.Commands;
using Pare.Core;
using Pare.Graph;
using Pare.Nn.Checkpoints;
using Pare.Nn.Training;

namespace Pare.Cli;

/// <summary>Builds the command tree and maps failures to <see cref="ExitCodes"/>. Commands write only to the
/// given writers, so tests can run the tool in-process and read what it printed.</summary>
public static class PareApp
{
    /// <summary>Parses <paramref name="args"/> and runs the command; with no arguments, runs <c>demo</c>.</summary>
    /// <returns>an exit code from <see cref="ExitCodes"/></returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 0) args = ["demo"];
        var root = new RootCommand($"Pare: train, evaluate and compress neural networks.\n{ExitCodes.Summary}")
        {
            TrainCommand.Create(output),
            EvalCommand.Create(output),
            DemoCommand.Create(output),
            ConformanceCommand.Create(output),
            InspectCommand.Create(output),
            RunCommand.Create(output),
            BenchCommand.Create(output),
            QuantizeCommand.Create(output),
            ExportCommand.Create(output),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) error.WriteLine($"pare: {e.Message}");
            error.WriteLine("Run 'pare --help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            var (code, message) = Classify(e);
            error.WriteLine($"pare: {message}");
            if (code == ExitCodes.UnexpectedError) error.WriteLine(e.ToString());
            return code;
        }
    }

    private static (int Code, string Message) Classify(Exception e) => e switch
    {
        TrainingDivergedException => (ExitCodes.TrainingDiverged, e.Message),
        UnsupportedOpException => (ExitCodes.Unsupported, e.Message),
        Pare.Compression.Quantization.BudgetUnmetException => (ExitCodes.BudgetUnmet, e.Message),
        Pare.Compression.Quantization.QuantizationException => (ExitCodes.Usage, e.Message),
        PareException => (ExitCodes.BadInput, e.Message),
        CheckpointMismatchException => (ExitCodes.CheckpointMismatch, e.Message),
        FileNotFoundException or DirectoryNotFoundException or InvalidDataException or EndOfStreamException => (ExitCodes.BadInput, e.Message),
        ArgumentException => (ExitCodes.Usage, e.Message),
        _ => (ExitCodes.UnexpectedError, $"unexpected error: {e.Message}"),
    };
}
