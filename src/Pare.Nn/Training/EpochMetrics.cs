namespace Pare.Nn.Training;

/// <summary>What one epoch achieved.</summary>
/// <param name="Epoch">1-based epoch</param>
/// <param name="TrainLoss">mean training loss over the epoch's batches</param>
/// <param name="TrainAccuracy">training accuracy during the epoch, in [0, 1]</param>
/// <param name="TestAccuracy">accuracy on the test set after the epoch (eval mode), in [0, 1]; NaN without a test set</param>
/// <param name="EpochSeconds">wall time of the epoch (training and evaluation)</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double TestAccuracy, double EpochSeconds);
