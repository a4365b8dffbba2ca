namespace Pare.Compression.Quantization;

/// <summary>Scales and zero points of a quantized tensor: one pair per tensor, channel or group
/// (x ≈ scale · (q − zero point)).</summary>
/// <param name="Scheme">the quantizer</param>
/// <param name="Scales">one per block, all positive and finite</param>
/// <param name="ZeroPoints">one per block, within [QMin, QMax]</param>
public sealed record QuantParams(QuantScheme Scheme, float[] Scales, int[] ZeroPoints)
{
    /// <summary>Scale and zero point that map [lo, hi] (widened to include 0, so zero is exact) onto the scheme's
    /// integer range.</summary>
    public static (float Scale, int ZeroPoint) FromRange(QuantScheme scheme, float lo, float hi)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        if (!float.IsFinite(lo) || !float.IsFinite(hi)) throw new ArgumentException($"range [{lo}, {hi}] is not finite");
        lo = Math.Min(lo, 0f);
        hi = Math.Max(hi, 0f);
        int qmin = scheme.QMin, qmax = scheme.QMax;
        if (scheme.Symmetric)
        {
            var bound = Math.Max(-lo, hi);
            // signed: [-bound, bound] → [-(2^(b-1)-1), 2^(b-1)-1], keeping the grid symmetric around an exact zero
            var levels = scheme.Signed ? qmax : (qmax - qmin) / 2;
            var scale = bound > 0 ? bound / levels : 1f;
            return (scale, scheme.Signed ? 0 : (qmax + qmin + 1) / 2);
        }
        var s = hi > lo ? (hi - lo) / (qmax - qmin) : 1f;
        var zp = (int)Math.Clamp(MathF.Round(qmin - lo / s, MidpointRounding.ToEven), qmin, qmax);
        return (s, zp);
    }
}
