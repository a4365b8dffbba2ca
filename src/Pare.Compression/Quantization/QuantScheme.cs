namespace Pare.Compression.Quantization;

/// <summary>How many values share one scale and zero point.</summary>
public enum Granularity
{
    /// <summary>One scale for the whole tensor.</summary>
    Tensor,
    /// <summary>One scale per slice along <see cref="QuantScheme.Axis"/> (per output channel for weights).</summary>
    Channel,
    /// <summary>One scale per run of <see cref="QuantScheme.GroupSize"/> consecutive values along the last axis.</summary>
    Group,
}

/// <summary>A uniform quantizer's shape: bit width, signedness, symmetric or affine, and granularity.</summary>
/// <param name="Bits">2 to 8</param>
/// <param name="Signed">integers in [−2^(b−1), 2^(b−1)−1] when true, [0, 2^b−1] when false</param>
/// <param name="Symmetric">zero point fixed at 0 (signed) or 2^(b−1) (unsigned) when true</param>
/// <param name="Granularity">per tensor, channel or group</param>
/// <param name="Axis">channel axis (per-channel)</param>
/// <param name="GroupSize">values per group (per-group)</param>
public sealed record QuantScheme(int Bits, bool Signed, bool Symmetric, Granularity Granularity = Granularity.Tensor, int Axis = 0, int GroupSize = 32)
{
    /// <summary>Smallest integer level.</summary>
    public int QMin => Signed ? -(1 << (Bits - 1)) : 0;

    /// <summary>Largest integer level.</summary>
    public int QMax => Signed ? (1 << (Bits - 1)) - 1 : (1 << Bits) - 1;

    /// <summary>Checks the fields; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public QuantScheme Validate()
    {
        if (Bits is < 2 or > 8) throw new ArgumentException($"bits must be 2..8, got {Bits}");
        if (Granularity == Granularity.Group && GroupSize < 1) throw new ArgumentException($"group size must be positive, got {GroupSize}");
        return this;
    }

    /// <summary>Signed symmetric weights, per output channel (axis 0).</summary>
    public static QuantScheme WeightsPerChannel(int bits = 8) => new(bits, Signed: true, Symmetric: true, Granularity.Channel);

    /// <summary>Unsigned affine activations, per tensor.</summary>
    public static QuantScheme Activations(int bits = 8) => new(bits, Signed: false, Symmetric: false);
}
