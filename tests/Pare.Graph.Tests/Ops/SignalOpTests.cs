using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>DFT, STFT and the window generators against direct double sums, round trips and gradient checks.</summary>
public class SignalOpTests
{
    // float32 sums of up to 16 products of order one
    private const double Tolerance = 1e-5;

    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1f, 1f, new Rng(seed));

    private static Tensor Long(long v) => Tensor.FromSpan<long>([v], default);

    private static Node Dft(string[] inputs, params (string Name, AttributeValue Value)[] attributes)
    {
        var node = new Node("n0", "DFT", inputs, ["y0"]);
        foreach (var (name, value) in attributes) node.Attributes.Set(name, value);
        return node;
    }

    [Fact]
    public void Dft_of_a_complex_signal_zero_padded_to_dft_length_matches_the_sum()
    {
        // x (2, 5, 3, 2): transform axis 1, padded from 5 to 7 samples
        var x = R(1, 2, 5, 3, 2);
        var y = Run(Dft(["x0", "x1", "x2"]), 20, x, Long(7), Long(1))[0];
        Assert.Equal(new Shape(2, 7, 3, 2), y.Shape);
        var v = x.ToArray<float>();
        var actual = y.ToArray<float>();
        for (int b = 0; b < 2; b++)
        for (int k = 0; k < 7; k++)
        for (int j = 0; j < 3; j++)
        {
            double re = 0, im = 0;
            for (int n = 0; n < 5; n++)
            {
                double angle = -2 * Math.PI * k * n / 7, xr = v[((b * 5 + n) * 3 + j) * 2], xi = v[((b * 5 + n) * 3 + j) * 2 + 1];
                re += xr * Math.Cos(angle) - xi * Math.Sin(angle);
                im += xr * Math.Sin(angle) + xi * Math.Cos(angle);
            }
            int at = ((b * 7 + k) * 3 + j) * 2;
            Assert.True(Math.Abs(re - actual[at]) < Tolerance && Math.Abs(im - actual[at + 1]) < Tolerance, $"bin ({b}, {k}, {j})");
        }
    }

    [Fact]
    public void Onesided_inverse_of_a_onesided_transform_returns_the_signal()
    {
        foreach (int n in new[] { 6, 7 })
        {
            var x = R((ulong)n, 2, 3, n, 1);
            // opset 19 takes the axis as an attribute; the even length has a Nyquist bin, the odd one not
            var spectrum = Run(Dft(["x0"], ("axis", I(2)), ("onesided", I(1))), 19, x)[0];
            Assert.Equal(new Shape(2, 3, n / 2 + 1, 2), spectrum.Shape);
            var back = Run(Dft(["x0", "x1"], ("axis", I(2)), ("onesided", I(1)), ("inverse", I(1))), 19, spectrum, Long(n))[0];
            Assert.Equal(x.Shape, back.Shape);
            var (a, b) = (x.ToArray<float>(), back.ToArray<float>());
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < Tolerance, $"n {n} element {i}: {a[i]} vs {b[i]}");
        }
    }

    [Fact]
    public void Dft_and_stft_pass_gradients_to_the_signal_and_window()
    {
        GraphGradCheck.Check(Dft(["x0", "", "x1"], ("onesided", I(1))), 20, [0], R(3, 1, 6, 2, 1), Long(1));
        GraphGradCheck.Check(Dft(["x0"], ("axis", I(1))), 17, [0], R(4, 2, 5, 2));
        GraphGradCheck.Check(Make("STFT", 3, 1), 17, [0, 2], R(5, 1, 11, 1), Long(3), R(6, 4));
    }

    [Fact]
    public void Stft_frames_the_windowed_signal()
    {
        // 10 samples, frames of 4 every 3 → 3 frames of 3 one-sided bins
        var (signal, window) = (R(7, 1, 10, 1), R(8, 4));
        var y = Run(Make("STFT", 3, 1), 17, signal, Long(3), window)[0];
        Assert.Equal(new Shape(1, 3, 3, 2), y.Shape);
        var (s, w, actual) = (signal.ToArray<float>(), window.ToArray<float>(), y.ToArray<float>());
        for (int f = 0; f < 3; f++)
        for (int k = 0; k < 3; k++)
        {
            double re = 0, im = 0;
            for (int n = 0; n < 4; n++)
            {
                double v = s[f * 3 + n] * (double)w[n], angle = -2 * Math.PI * k * n / 4;
                re += v * Math.Cos(angle);
                im += v * Math.Sin(angle);
            }
            Assert.True(Math.Abs(re - actual[(f * 3 + k) * 2]) < Tolerance && Math.Abs(im - actual[(f * 3 + k) * 2 + 1]) < Tolerance, $"frame {f} bin {k}");
        }
    }

    [Fact]
    public void Windows_follow_their_cosine_sums()
    {
        Assert.Equal([0f, 0.5f, 1f, 0.5f], Run(Make("HannWindow", 1, 1), 17, Long(4))[0].ToArray<float>());
        // symmetric Hamming of 3: α − β at the ends with ONNX's α = 25/46, 1 in the middle
        var hamming = Run(Make("HammingWindow", 1, 1, ("periodic", I(0))), 17, Long(3))[0].ToArray<float>();
        AssertNear([4.0 / 46, 1, 4.0 / 46], hamming, 1e-7);
        var blackman = Run(Make("BlackmanWindow", 1, 1), 17, Long(4))[0].ToArray<float>();
        AssertNear([0, 0.34, 1, 0.34], blackman, 1e-6);
    }

    private static void AssertNear(double[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < tolerance, $"element {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Bad_axes_and_lengths_fail_naming_the_node_and_the_complex_inverse_is_unsupported()
    {
        var x = R(9, 1, 4, 2);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Dft(["x0", "", "x1"]), 20, x, Long(-1))).Message);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Dft(["x0", "x1"]), 20, x, Long(0))).Message);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Dft(["x0"]), 20, R(10, 1, 4, 3))).Message);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Make("STFT", 3, 1), 17, R(11, 1, 3, 1), Long(1), R(12, 4))).Message);
        Assert.Throws<UnsupportedOpException>(() => Run(Dft(["x0"], ("inverse", I(1))), 20, x));
    }
}
