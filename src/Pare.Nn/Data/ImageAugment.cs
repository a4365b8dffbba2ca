using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Data;

/// <summary>Training-time augmentation of an image batch (B, C, H, W), in place, driven by a seeded generator:
/// the CIFAR recipe of random crops from a zero-padded image and random horizontal flips.</summary>
public static class ImageAugment
{
    /// <summary>Each image is padded by <paramref name="padding"/> zeros on every side and cropped back to H×W
    /// at a random offset (the same for all channels of an image).</summary>
    /// <param name="batch">(B, C, H, W) float32, contiguous; overwritten</param>
    /// <param name="padding">pixels of padding per side</param>
    /// <param name="rng">seeded generator</param>
    public static void RandomCrop(Tensor batch, int padding, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rng);
        if (batch.Rank != 4) throw new ArgumentException($"random crop needs (B, C, H, W), got {batch.Shape}", nameof(batch));
        var x = batch.AsSpan<float>();
        int b = batch.Dim(0), c = batch.Dim(1), h = batch.Dim(2), w = batch.Dim(3);
        var plane = new float[h * w];
        for (int i = 0; i < b; i++)
        {
            int dy = rng.NextInt(2 * padding + 1) - padding, dx = rng.NextInt(2 * padding + 1) - padding;
            for (int ch = 0; ch < c; ch++)
            {
                var img = x.Slice((i * c + ch) * h * w, h * w);
                img.CopyTo(plane);
                for (int y = 0; y < h; y++)
                {
                    int sy = y + dy;
                    for (int xx = 0; xx < w; xx++)
                    {
                        int sx = xx + dx;
                        img[y * w + xx] = (uint)sy < (uint)h && (uint)sx < (uint)w ? plane[sy * w + sx] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>Mirrors each image left-right with probability 1/2.</summary>
    /// <param name="batch">(B, C, H, W) float32, contiguous; overwritten</param>
    /// <param name="rng">seeded generator</param>
    public static void RandomHorizontalFlip(Tensor batch, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rng);
        if (batch.Rank != 4) throw new ArgumentException($"horizontal flip needs (B, C, H, W), got {batch.Shape}", nameof(batch));
        var x = batch.AsSpan<float>();
        int b = batch.Dim(0), rowsPerImage = batch.Dim(1) * batch.Dim(2), w = batch.Dim(3);
        for (int i = 0; i < b; i++)
        {
            if (rng.NextInt(2) == 0) continue;
            for (int r = 0; r < rowsPerImage; r++) x.Slice((i * rowsPerImage + r) * w, w).Reverse();
        }
    }
}
