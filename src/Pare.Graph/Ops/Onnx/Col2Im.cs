using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Col2Im (opset 18), the inverse layout of im2col: every column of sliding-block values is added back into
/// the image at its block's position, overlaps summing. One Core ScatterAdd (gradient to the columns); taps that
/// land in the padding go to a spare slot that is cut off afterwards.</summary>
internal static class Col2Im
{
    /// <summary>input (N, C·∏block, L) with image_shape and block_shape (one value per spatial axis) and the
    /// dilations, pads (begins then ends) and strides attributes → (N, C, image..).</summary>
    [OnnxOp("Col2Im", SinceVersion = 18)]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        if (x.DType != DType.Float32) throw c.Unsupported($"only float32 is supported, got {x.DType.Name()}");
        var image = Array.ConvertAll(c.Longs(c.Input(1), "image_shape"), v => c.Size(v, "image_shape value"));
        var block = Array.ConvertAll(c.Longs(c.Input(2), "block_shape"), v => c.Size(v, "block_shape value"));
        int k = image.Length;
        if (k == 0 || block.Length != k) throw c.Fail($"image_shape ({string.Join(", ", image)}) and block_shape ({string.Join(", ", block)}) need one value per spatial axis");
        int[] dilations = Values(c, "dilations", k, 1), strides = Values(c, "strides", k, 1), pads = Values(c, "pads", 2 * k, 0);
        int kernel = 1, pixels = 1;
        var positions = new int[k];
        int columns = 1;
        for (int d = 0; d < k; d++)
        {
            if (block[d] == 0 || dilations[d] <= 0 || strides[d] <= 0) throw c.Fail("block sizes, dilations and strides must be positive");
            kernel *= block[d];
            pixels *= image[d];
            int span = dilations[d] * (block[d] - 1) + 1, padded = image[d] + pads[d] + pads[d + k];
            positions[d] = padded < span ? 0 : (padded - span) / strides[d] + 1;
            columns *= positions[d];
        }
        if (x.Rank != 3 || x.Shape[1] % kernel != 0 || x.Shape[2] != columns)
            throw c.Fail($"input {x.Shape} must be (N, C·{kernel}, {columns}) for blocks ({string.Join(", ", block)}) over image ({string.Join(", ", image)})");
        int n = x.Shape[0], channels = x.Shape[1] / kernel, taps = kernel * columns;

        // target pixel of each (kernel offset, column), or the spare slot `pixels` when it falls in the padding
        var target = new long[taps];
        var offset = new int[k];
        var place = new int[k];
        for (int t = 0; t < taps; t++)
        {
            int rest = t / columns, col = t % columns;
            for (int d = k - 1; d >= 0; d--) { offset[d] = rest % block[d]; rest /= block[d]; place[d] = col % positions[d]; col /= positions[d]; }
            long at = 0;
            for (int d = 0; d < k && at >= 0; d++)
            {
                int p = place[d] * strides[d] - pads[d] + offset[d] * dilations[d];
                at = p >= 0 && p < image[d] ? at * image[d] + p : -1;
            }
            target[t] = at < 0 ? pixels : at;
        }
        var index = new long[(long)n * channels * taps];
        for (int r = 0; r < n * channels; r++) Array.Copy(target, 0, index, (long)r * taps, taps);
        var src = x.Reshape(n, channels, taps);
        var sums = CoreOps.Indexing.ScatterAdd(Tensor.Zeros(new Shape(n, channels, pixels + 1)), 2, Tensor.Wrap(index, new Shape(n, channels, taps)), src);
        return [sums.Slice(2, 0, pixels).Reshape([n, channels, .. image])];
    }

    private static int[] Values(OpContext c, string name, int count, int fallback)
    {
        var values = c.Attributes.Ints(name);
        if (values is null) return Enumerable.Repeat(fallback, count).ToArray();
        if (values.Length != count) throw c.Fail($"{name} has {values.Length} values, expected {count}");
        return Array.ConvertAll(values, v => v is >= 0 and <= int.MaxValue ? (int)v : throw c.Fail($"{name} value {v} is out of range"));
    }
}
