namespace Pare.Cli;

/// <summary>Entry point of the pare tool.</summary>
public static class Program
{
    /// <summary>Runs the tool on the console.</summary>
    public static int Main(string[] args) => PareApp.Run(args, Console.Out, Console.Error);
}
