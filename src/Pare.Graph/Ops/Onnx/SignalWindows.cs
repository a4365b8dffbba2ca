using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>HannWindow, HammingWindow and BlackmanWindow (opset 17): w[n] = Σ_k a_k cos(2πkn / N′) for n &lt; size, with
/// N′ = size when periodic (the default; for spectral analysis) or size − 1 when symmetric (for filter design).
/// Computed in double, returned as float32 (output_datatype 1).</summary>
internal static class SignalWindows
{
    [OnnxOp("HannWindow", SinceVersion = 17)]
    public static Tensor?[] Hann(OpContext c) => [Window(c, [0.5, -0.5])];

    /// <summary>ONNX's Hamming coefficients are α = 25/46 and β = 1 − α (not the rounded 0.54 / 0.46).</summary>
    [OnnxOp("HammingWindow", SinceVersion = 17)]
    public static Tensor?[] Hamming(OpContext c) => [Window(c, [25.0 / 46, -(1 - 25.0 / 46)])];

    [OnnxOp("BlackmanWindow", SinceVersion = 17)]
    public static Tensor?[] Blackman(OpContext c) => [Window(c, [0.42, -0.5, 0.08])];

    private static Tensor Window(OpContext c, double[] coefficients)
    {
        var sizeInput = c.Input(0);
        if (sizeInput.Count != 1) throw c.Fail($"size must be a scalar, has shape {sizeInput.Shape}");
        int size = c.Size(c.Longs(sizeInput, "size")[0], "size");
        long type = c.Attributes.Int("output_datatype", (long)ElementType.Float);
        if (type != (long)ElementType.Float) throw c.Unsupported($"output_datatype {type} (only 1, float32, is supported)");
        bool periodic = c.Attributes.Int("periodic", 1) != 0;
        double span = periodic ? size : size - 1;
        var w = new float[size];
        for (int n = 0; n < size; n++)
        {
            double sum = 0;
            for (int k = 0; k < coefficients.Length; k++) sum += coefficients[k] * Math.Cos(2 * Math.PI * k * n / span);
            w[n] = (float)sum;
        }
        return Tensor.Wrap(w, new Shape(size));
    }
}
