using Pare.Core;

namespace Pare.Nn.Data;

/// <summary>Loaders of the image classification sets Pare trains on. Pixels are scaled to [0, 1] and then
/// normalized with the given per-channel mean and standard deviation.</summary>
public static class ImageDatasets
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs Fashion-MNIST.</summary>
    public const string FashionMnistRoot = "/usr/share/datasets/fashion-mnist";

    /// <summary>Fashion-MNIST's pixel mean and std (of pixels/255), as in ../shared/peers/torch_train.py.</summary>
    public static readonly (float Mean, float Std) FashionMnistStats = (0.2860f, 0.3530f);

    /// <summary>Loads an IDX image/label pair (MNIST layout: images (N, 28, 28) uint8, labels (N) uint8).</summary>
    public static LabeledImages LoadIdx(string imagesPath, string labelsPath, float mean, float std, int classCount = 10)
    {
        var (dims, pixels) = IdxFile.ReadBytes(imagesPath);
        var (labelDims, labels) = IdxFile.ReadBytes(labelsPath);
        if (dims.Length != 3)
            throw new InvalidDataException($"{imagesPath}: expected images of rank 3 (N, H, W), found rank {dims.Length}");
        if (labelDims.Length != 1 || labelDims[0] != dims[0])
            throw new InvalidDataException($"{labelsPath}: {labelDims[0]} labels for {dims[0]} images in {imagesPath}");
        var images = Normalize(pixels, [dims[0], 1, dims[1], dims[2]], [mean], [std]);
        return new LabeledImages(images, Labels(labels, classCount, labelsPath), classCount);
    }

    /// <summary>Reads a CIFAR-10 binary batch: records of 1 label byte + 3·32·32 channel-planar pixels.</summary>
    public static LabeledImages LoadCifar10(string path, ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        const int Record = 1 + 3 * 32 * 32;
        if (!File.Exists(path)) throw new FileNotFoundException($"CIFAR-10 batch not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % Record != 0)
            throw new InvalidDataException($"{path}: {bytes.Length} bytes is not a whole number of {Record}-byte CIFAR-10 records");
        int n = bytes.Length / Record;
        var labels = new byte[n];
        var pixels = new byte[n * (Record - 1)];
        for (int i = 0; i < n; i++)
        {
            labels[i] = bytes[i * Record];
            bytes.AsSpan(i * Record + 1, Record - 1).CopyTo(pixels.AsSpan(i * (Record - 1)));
        }
        var images = Normalize(pixels, [n, 3, 32, 32], mean, std);
        return new LabeledImages(images, Labels(labels, 10, path), 10);
    }

    private static Tensor Normalize(byte[] pixels, int[] shape, ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        int channels = shape[1], plane = shape[2] * shape[3];
        if (mean.Length != channels || std.Length != channels)
            throw new ArgumentException($"normalization needs {channels} means and stds, got {mean.Length} and {std.Length}");
        var values = new float[pixels.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int c = i / plane % channels;
            // Same arithmetic as the PyTorch peer: (p/255 − mean)/std in double, then rounded to float32.
            values[i] = (float)((pixels[i] / 255.0 - mean[c]) / std[c]);
        }
        return Tensor.Wrap(values, shape);
    }

    private static Tensor Labels(byte[] labels, int classCount, string path)
    {
        var values = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
                throw new InvalidDataException($"{path}: label {labels[i]} at record {i} is outside 0..{classCount - 1}");
            values[i] = labels[i];
        }
        return Tensor.Wrap(values, [labels.Length]);
    }
}
