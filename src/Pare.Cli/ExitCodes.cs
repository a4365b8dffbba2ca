namespace Pare.Cli;

/// <summary>Exit codes of the pare tool (documented in --help and the README).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected error (a bug); the message and stack trace go to stderr.</summary>
    public const int UnexpectedError = 1;

    /// <summary>Bad command line: unknown command/option, bad value, unknown model or data set name.</summary>
    public const int Usage = 2;

    /// <summary>Input data or file missing or corrupt (data set files, checkpoint files).</summary>
    public const int BadInput = 3;

    /// <summary>A checkpoint does not fit the model (names, shapes or dtypes differ).</summary>
    public const int CheckpointMismatch = 4;

    /// <summary>Training diverged (NaN or infinite loss); checkpoints of completed epochs are kept.</summary>
    public const int TrainingDiverged = 5;

    /// <summary>The model is valid but uses an op, op version, opset or element type Pare does not support.</summary>
    public const int Unsupported = 6;

    /// <summary>A check the command ran did not pass (conformance cases failed, outputs differ from the reference).</summary>
    public const int CheckFailed = 7;

    /// <summary>A size budget (<c>quantize --max-size</c>) cannot be met; the nearest feasible sizes are printed and nothing is written.</summary>
    public const int BudgetUnmet = 8;

    /// <summary>One line per code for help texts.</summary>
    public const string Summary =
        "exit codes: 0 ok, 1 unexpected error, 2 usage/bad arguments, 3 bad or missing input data/file, 4 checkpoint mismatch, 5 training diverged, 6 unsupported op/type/opset, 7 check failed, 8 budget cannot be met (nothing written)";
}
