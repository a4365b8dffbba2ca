using System.CommandLine;
using System.Globalization;
using Pare.Nn.Training;

namespace Pare.Cli.Commands;

/// <summary><c>pare demo</c> (also <c>pare</c> alone): two epochs of the mlp on the embedded Fashion-MNIST subset.</summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output)
    {
        var epochs = new Option<int>("--epochs") { Description = "epochs", DefaultValueFactory = _ => 2 };
        var threads = CommonOptions.Threads();
        var command = new Command("demo", "Train the mlp for 2 epochs on the embedded Fashion-MNIST subset (4,000 train / 1,000 test images) and print the test accuracy")
        {
            epochs, threads,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            output.WriteLine("Training the mlp preset on the embedded Fashion-MNIST subset (4,000 train / 1,000 test images)...");
            var run = new TrainingRun("mlp", "fashion-mnist-subset", OutputDirectory: null) { Epochs = parsed.GetValue(epochs) };
            var result = TrainingDisplay.Execute(run, output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test accuracy {result.TestAccuracy:P2} ({result.Parameters:N0} parameters, {result.TotalSeconds:F1} s)"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
