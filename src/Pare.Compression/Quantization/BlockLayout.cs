using Pare.Core;

namespace Pare.Compression.Quantization;

/// <summary>Which block (tensor, channel or group) each element of a contiguous tensor belongs to.</summary>
internal readonly struct BlockLayout
{
    private readonly Granularity _granularity;
    private readonly int _inner, _channels, _lastDim, _groupSize, _groupsPerRow;

    public BlockLayout(Shape shape, QuantScheme scheme)
    {
        _granularity = scheme.Granularity;
        _groupSize = scheme.GroupSize;
        _inner = 1;
        _channels = 1;
        _lastDim = shape.Rank == 0 ? 1 : shape[shape.Rank - 1];
        _groupsPerRow = 1;
        switch (scheme.Granularity)
        {
            case Granularity.Tensor:
                Count = 1;
                break;
            case Granularity.Channel:
                if (scheme.Axis < 0 || scheme.Axis >= shape.Rank)
                    throw new ArgumentException($"channel axis {scheme.Axis} is out of range for shape {shape}");
                _channels = shape[scheme.Axis];
                for (var d = scheme.Axis + 1; d < shape.Rank; d++) _inner *= shape[d];
                Count = _channels;
                break;
            default:
                _groupsPerRow = (_lastDim + _groupSize - 1) / _groupSize;
                Count = shape.ElementCount / Math.Max(_lastDim, 1) * _groupsPerRow;
                break;
        }
    }

    /// <summary>Number of blocks.</summary>
    public int Count { get; }

    /// <summary>Block of element <paramref name="i"/> (row-major index).</summary>
    public int Of(int i) => _granularity switch
    {
        Granularity.Tensor => 0,
        Granularity.Channel => i / _inner % _channels,
        _ => i / _lastDim * _groupsPerRow + i % _lastDim / _groupSize,
    };

    /// <summary>The values of each block, copied out in order.</summary>
    public float[][] Split(ReadOnlySpan<float> values)
    {
        var counts = new int[Count];
        for (var i = 0; i < values.Length; i++) counts[Of(i)]++;
        var blocks = counts.Select(c => new float[c]).ToArray();
        Array.Clear(counts);
        for (var i = 0; i < values.Length; i++)
        {
            var b = Of(i);
            blocks[b][counts[b]++] = values[i];
        }
        return blocks;
    }
}
