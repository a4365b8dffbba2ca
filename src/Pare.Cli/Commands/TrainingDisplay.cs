using System.Globalization;
using Pare.Nn.Training;
using Spectre.Console;

namespace Pare.Cli.Commands;

/// <summary>Shows a training run: a live progress bar (loss, accuracy, samples/s, ETA) on an interactive
/// terminal, one line per epoch always.</summary>
internal static class TrainingDisplay
{
    /// <summary>Runs <paramref name="run"/> with progress written to <paramref name="output"/>.</summary>
    public static TrainingResult Execute(TrainingRun run, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        void PrintEpoch(EpochMetrics m) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}: train loss {m.TrainLoss:F4}, train acc {m.TrainAccuracy:P2}, test acc {m.TestAccuracy:P2}, {m.EpochSeconds:F1} s"));
        void PrintEvaluation(StepMetrics m) => output.WriteLine(FormatEvaluation(m));
        if (!console.Profile.Capabilities.Interactive || !ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
            return (run with { EpochCompleted = PrintEpoch, Evaluated = PrintEvaluation }).Execute();

        TrainingResult? result = null;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: 1);
                result = (run with
                {
                    BatchCompleted = p =>
                    {
                        task.Description = string.Create(CultureInfo.InvariantCulture,
                            $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} acc {p.Accuracy:P1} {p.SamplesPerSecond:F0} samples/s ETA {p.Eta:hh\\:mm\\:ss}");
                        task.Value = ((p.Epoch - 1) * (double)p.Batches + p.Batch) / ((double)p.Epochs * p.Batches);
                    },
                    EpochCompleted = m => console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {m.Epoch}: train loss {m.TrainLoss:F4}, train acc {m.TrainAccuracy:P2}, test acc {m.TestAccuracy:P2}, {m.EpochSeconds:F1} s"))),
                    Evaluated = m => console.MarkupLine(Markup.Escape(FormatEvaluation(m))),
                }).Execute();
            });
        return result!;
    }

    private static string FormatEvaluation(StepMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"step {m.Step}: train loss {m.TrainLoss:F4}, validation loss {m.ValidationLoss:F4}, {m.ElapsedSeconds:F1} s");
}
