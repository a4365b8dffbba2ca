namespace Pare.Nn.Training;

/// <summary>A language model's state at an evaluation point.</summary>
/// <param name="Step">optimizer steps done</param>
/// <param name="TrainLoss">mean training loss of the steps since the previous evaluation</param>
/// <param name="ValidationLoss">mean cross-entropy (nats per token) of the validation batches</param>
/// <param name="ElapsedSeconds">wall time since training started (evaluations included)</param>
public sealed record StepMetrics(int Step, double TrainLoss, double ValidationLoss, double ElapsedSeconds);
