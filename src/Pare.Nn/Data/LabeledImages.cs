using Pare.Core;

namespace Pare.Nn.Data;

/// <summary>An in-memory classification set: images (N, C, H, W) float32 — or, for sentence classification,
/// word ids (N, T) int64 — and labels (N) int64.</summary>
/// <param name="Images">(N, C, H, W) float32 images, or (N, T) int64 word ids</param>
/// <param name="Labels">(N) int64 class indices</param>
/// <param name="ClassCount">number of classes</param>
public sealed record LabeledImages(Tensor Images, Tensor Labels, int ClassCount)
{
    /// <summary>Number of samples.</summary>
    public int Count => Labels.Count;

    /// <summary>The first <paramref name="count"/> samples (a copy).</summary>
    public LabeledImages Take(int count)
    {
        count = Math.Min(count, Count);
        return new LabeledImages(Images.Slice(0, 0, count).Clone(), Labels.Slice(0, 0, count).Clone(), ClassCount);
    }

    /// <summary>Splits off the last <paramref name="validationCount"/> samples as a validation set.</summary>
    public (LabeledImages Train, LabeledImages Validation) SplitLast(int validationCount)
    {
        if (validationCount < 0 || validationCount > Count)
            throw new ArgumentOutOfRangeException(nameof(validationCount), validationCount, $"validation count must be in 0..{Count}");
        int n = Count - validationCount;
        return (new LabeledImages(Images.Slice(0, 0, n).Clone(), Labels.Slice(0, 0, n).Clone(), ClassCount),
                new LabeledImages(Images.Slice(0, n, Count).Clone(), Labels.Slice(0, n, Count).Clone(), ClassCount));
    }
}
