using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>DFT (opset 17, 20) and STFT (opset 17) on float32 signals whose last dimension holds the real part (1)
/// or the real and imaginary parts (2), computed by <see cref="FourierBasis"/> so gradients flow.</summary>
internal static class Spectral
{
    /// <summary>Transform along one signal axis (attribute axis, default 1, before opset 20; input 2, default −2,
    /// from 20), the signal cut or zero-padded to dft_length. onesided keeps the bins ≤ N/2; with inverse it reads them
    /// as a Hermitian half and returns the real signal (numpy's irfft, N = 2·(bins − 1) by default). The complex
    /// inverse (inverse without onesided) is reported unsupported.</summary>
    [OnnxOp("DFT", SinceVersion = 17)]
    public static Tensor?[] Dft(OpContext c)
    {
        var x = c.Input(0);
        var (re, im) = Parts(c, x, "input");
        long axis = c.Opset >= 20
            ? c.OptionalInput(2) is { } axisInput ? Scalar(c, axisInput, "axis") : -2
            : c.Attributes.Int("axis", 1);
        long a = axis < 0 ? axis + x.Rank : axis;
        if (a < 0 || a > x.Rank - 2) throw c.Fail($"axis {axis} is not a signal axis of input {x.Shape} (the last axis holds the complex parts)");
        int signalAxis = (int)a;
        int? length = c.OptionalInput(1) is { } lengthInput ? Length(c, Scalar(c, lengthInput, "dft_length"), "dft_length") : null;
        bool inverse = c.Attributes.Int("inverse", 0) != 0, onesided = c.Attributes.Int("onesided", 0) != 0;
        // the signal axis last, so the transform is one product with the basis
        re = re.Transpose(signalAxis, -1);
        im = im?.Transpose(signalAxis, -1);
        if (inverse && onesided)
        {
            int n = length ?? Length(c, 2L * (re.Shape[-1] - 1), "irfft length 2·(bins − 1)");
            var signal = FourierBasis.InverseReal(c, FourierBasis.Fit(re, n / 2 + 1), im is null ? null : FourierBasis.Fit(im, n / 2 + 1), n);
            return [signal.Transpose(signalAxis, -1).Unsqueeze(-1)];
        }
        // The complex inverse is the forward product with conj basis / N, but it stays off until it can be verified:
        // ONNX's only reference outputs for it hold float32 FFT round-off (1.9e-7 where the exact value is 0, 10 of
        // 200 elements beyond atol 1e-7 even for a float64 inverse), which a correct result cannot match.
        if (inverse) throw c.Unsupported("the complex inverse DFT (inverse=1, onesided=0) is not enabled: no reference data within ONNX's tolerances to verify it against");
        int size = length ?? Length(c, re.Shape[-1], "signal length");
        re = FourierBasis.Fit(re, size);
        im = im is null ? null : FourierBasis.Fit(im, size);
        var (yr, yi) = FourierBasis.Forward(c, re, im, size, onesided);
        return [CoreOps.Assembly.Stack([yr.Transpose(signalAxis, -1), yi.Transpose(signalAxis, -1)], -1)];
    }

    /// <summary>Short-time transform of signal (B, L, 1|2): frames of frame_length (or the window's length) every
    /// frame_step samples, each multiplied by the window, transformed to (B, frames, bins, 2).</summary>
    [OnnxOp("STFT", SinceVersion = 17)]
    public static Tensor?[] Stft(OpContext c)
    {
        var signal = c.Input(0);
        if (signal.Rank != 3) throw c.Fail($"signal {signal.Shape} must be (batch, length, 1 or 2)");
        var (re, im) = Parts(c, signal, "signal");
        int step = Length(c, Scalar(c, c.Input(1), "frame_step"), "frame_step");
        var window = c.OptionalInput(2);
        if (window is not null && (window.DType != DType.Float32 || window.Rank != 1))
            throw c.Fail($"window must be a 1-D float32 tensor, got {window.DType.Name()} {window.Shape}");
        int? frameLength = c.OptionalInput(3) is { } f ? Length(c, Scalar(c, f, "frame_length"), "frame_length") : null;
        int width = frameLength ?? window?.Shape[0] ?? throw c.Fail("STFT needs a window or a frame_length");
        if (window is not null && window.Shape[0] != width) throw c.Fail($"window of {window.Shape[0]} samples but frame_length {width}");
        int total = signal.Shape[1];
        if (total < width) throw c.Fail($"signal of {total} samples is shorter than one frame of {width}");
        int frames = (total - width) / step + 1;
        var index = new long[(long)frames * width <= int.MaxValue ? frames * width : throw c.Fail($"{frames} frames of {width} samples are too many")];
        for (int s = 0; s < frames; s++)
        {
            for (int j = 0; j < width; j++) index[s * width + j] = (long)s * step + j;
        }
        var positions = Tensor.Wrap(index, new Shape(index.Length));
        Tensor Frames(Tensor part)
        {
            var framed = CoreOps.Indexing.IndexSelect(part, 1, positions).Reshape(signal.Shape[0], frames, width);
            return window is null ? framed : CoreOps.Elementwise.Mul(framed, window);
        }
        bool onesided = c.Attributes.Int("onesided", 1) != 0;
        var (yr, yi) = FourierBasis.Forward(c, Frames(re), im is null ? null : Frames(im), width, onesided);
        return [CoreOps.Assembly.Stack([yr, yi], -1)];
    }

    /// <summary>The real and (when present) imaginary parts: x[.., 0] and x[.., 1].</summary>
    private static (Tensor Re, Tensor? Im) Parts(OpContext c, Tensor x, string name)
    {
        if (x.DType != DType.Float32) throw c.Unsupported($"only float32 is supported, got {x.DType.Name()}");
        if (x.Rank < 2 || x.Shape[-1] is not (1 or 2))
            throw c.Fail($"{name} {x.Shape} must end in a dimension of 1 (real) or 2 (real, imaginary)");
        var re = x.Slice(-1, 0, 1).Squeeze(-1);
        return (re, x.Shape[-1] == 2 ? x.Slice(-1, 1, 2).Squeeze(-1) : null);
    }

    private static long Scalar(OpContext c, Tensor t, string what) =>
        t.Count == 1 ? c.Longs(t, what)[0] : throw c.Fail($"{what} must hold one value, has shape {t.Shape}");

    private static int Length(OpContext c, long value, string what) =>
        value is > 0 and <= int.MaxValue ? (int)value : throw c.Fail($"{what} {value} must be positive");
}
