namespace Pare.Nn.Training;

/// <summary>State after one optimizer step, for progress displays.</summary>
/// <param name="Epoch">1-based epoch</param>
/// <param name="Epochs">total epochs</param>
/// <param name="Batch">1-based batch within the epoch</param>
/// <param name="Batches">batches per epoch</param>
/// <param name="Loss">mean loss of this epoch's batches so far</param>
/// <param name="Accuracy">training accuracy of this epoch so far, in [0, 1]</param>
/// <param name="SamplesPerSecond">training throughput of this epoch so far</param>
/// <param name="Eta">estimated time left for the whole run (training steps only)</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy,
    double SamplesPerSecond, TimeSpan Eta);
