namespace Pare.Onnx.Conformance;

/// <summary>How one ONNX test case ended.</summary>
public enum CaseOutcome
{
    /// <summary>Every output of every data set matched within tolerance.</summary>
    Passed,
    /// <summary>An output differed, or running failed with a Pare error.</summary>
    Failed,
    /// <summary>The case uses an op, version or element type Pare does not support.</summary>
    Skipped,
}

/// <summary>The result of one test case (a folder holding model.onnx and test_data_set_*).</summary>
/// <param name="Name">case folder name</param>
/// <param name="Outcome">passed, failed or skipped</param>
/// <param name="Reason">why it failed or was skipped ("" when passed)</param>
public sealed record CaseResult(string Name, CaseOutcome Outcome, string Reason);
