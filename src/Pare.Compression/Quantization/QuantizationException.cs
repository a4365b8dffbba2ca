using Pare.Core;

namespace Pare.Compression.Quantization;

/// <summary>Quantization cannot proceed as asked (bad settings, missing calibration data, an unmet budget).</summary>
public class QuantizationException : PareException
{
    /// <summary>An error with <paramref name="message"/>.</summary>
    public QuantizationException(string message) : base(message) { }
}
