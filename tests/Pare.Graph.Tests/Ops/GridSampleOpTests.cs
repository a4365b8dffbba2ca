using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>GridSample and AffineGrid: identity grids reproduce the input, gradients reach X, the grid and θ, bad
/// shapes fail.</summary>
public class GridSampleOpTests
{
    private static Tensor R(ulong seed, float scale, params int[] shape) => Tensor.Uniform(new Shape(shape), -scale, scale, new Rng(seed));

    /// <summary>(1, H, W, 2) grid of the pixel centres with align_corners = 1: (x, y) = (−1 + 2j/(W−1), −1 + 2i/(H−1)).</summary>
    private static Tensor IdentityGrid(int h, int w)
    {
        var g = new float[h * w * 2];
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        {
            g[(i * w + j) * 2] = -1f + 2f * j / (w - 1);
            g[(i * w + j) * 2 + 1] = -1f + 2f * i / (h - 1);
        }
        return Tensor.Wrap(g, new Shape(1, h, w, 2));
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("cubic")]
    [InlineData("nearest")]
    public void An_identity_grid_reproduces_the_input(string mode)
    {
        var x = R(1, 1f, 1, 2, 3, 4);
        var node = Make("GridSample", 2, 1, ("mode", S(mode)), ("align_corners", I(1)));
        var y = Run(node, 20, x, IdentityGrid(3, 4))[0];
        Assert.Equal(x.Shape, y.Shape);
        var (a, b) = (x.ToArray<float>(), y.ToArray<float>());
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-5f, $"{mode} element {i}: {a[i]} vs {b[i]}");
    }

    [Theory]
    [InlineData("bilinear", "zeros")]
    [InlineData("bicubic", "border")]
    [InlineData("bilinear", "reflection")]
    public void Gradients_reach_the_input_and_the_grid(string mode, string padding)
    {
        var node = Make("GridSample", 2, 1, ("mode", S(mode)), ("padding_mode", S(padding)));
        GraphGradCheck.Check(node, 16, [0, 1], R(2, 1f, 2, 2, 3, 4), SmoothGrid(3, 2, 6, sizes: [4, 3]));
    }

    /// <summary>A (n, points, 1, k) grid (align_corners = 0) whose pixel coordinates lie in [−1, size + 1) but at
    /// least 0.1 away from integers and half-integers: interpolation weights kink at integers and the padding
    /// modes at the borders (half-integers), where a finite difference would straddle the kink.</summary>
    private static Tensor SmoothGrid(int seed, int n, int points, int[] sizes)
    {
        var random = new Random(seed);
        var g = new float[n * points * sizes.Length];
        for (int i = 0; i < g.Length; i++)
        {
            int size = sizes[i % sizes.Length];
            double frac = 0.1 + 0.3 * random.NextDouble() + (random.Next(2) == 0 ? 0 : 0.5);
            double pixel = random.Next(-1, size + 1) + frac;
            g[i] = (float)((2 * pixel + 1) / size - 1);
        }
        return Tensor.Wrap(g, new Shape(n, points, 1, sizes.Length));
    }

    [Fact]
    public void Volumetric_linear_sampling_gradients()
    {
        var node = Make("GridSample", 2, 1, ("mode", S("linear")), ("align_corners", I(1)));
        GraphGradCheck.Check(node, 20, [0, 1], R(4, 1f, 1, 1, 2, 3, 2), R(5, 0.9f, 1, 1, 2, 2, 3));
    }

    [Fact]
    public void The_identity_affine_grid_samples_the_input_back_and_theta_gets_gradients()
    {
        var theta = Tensor.FromSpan<float>([1f, 0f, 0f, 0f, 1f, 0f], new Shape(1, 2, 3));
        var size = Tensor.FromSpan<long>([1, 2, 3, 4]);
        var grid = Run(Make("AffineGrid", 2, 1), 20, theta, size)[0];
        Assert.Equal(new Shape(1, 3, 4, 2), grid.Shape);
        // align_corners = 0: x at the pixel centres (2j + 1)/4 − 1, y at (2i + 1)/3 − 1
        var first = grid.ToArray<float>()[..2];
        Assert.True(Math.Abs(first[0] + 0.75f) < 1e-6f && Math.Abs(first[1] + 2f / 3) < 1e-6f, $"first point ({first[0]}, {first[1]})");
        var x = R(6, 1f, 1, 2, 3, 4);
        var y = Run(Make("GridSample", 2, 1), 20, x, grid)[0].ToArray<float>();
        var expected = x.ToArray<float>();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - y[i]) < 1e-5f, $"element {i}");
        GraphGradCheck.Check(Make("AffineGrid", 2, 1, ("align_corners", I(1))), 20, [0], R(7, 1f, 2, 3, 4), Tensor.FromSpan<long>([2, 1, 2, 3, 2]));
    }

    [Fact]
    public void Bad_shapes_and_modes_fail_naming_the_node()
    {
        void Fails(Node node, long opset, params Tensor[] inputs) =>
            Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(node, opset, inputs)).Message);
        var x = R(1, 1f, 1, 2, 3, 4);
        Fails(Make("GridSample", 2, 1), 20, x, R(2, 1f, 1, 2, 2, 3));
        Fails(Make("GridSample", 2, 1), 20, x, R(2, 1f, 2, 2, 2, 2));
        Fails(Make("GridSample", 2, 1), 16, R(3, 1f, 1, 1, 2, 2, 2), R(4, 1f, 1, 1, 1, 1, 3));
        Fails(Make("GridSample", 2, 1, ("mode", S("area"))), 20, x, R(5, 1f, 1, 2, 2, 2));
        Fails(Make("GridSample", 2, 1, ("padding_mode", S("wrap"))), 20, x, R(5, 1f, 1, 2, 2, 2));
        Fails(Make("AffineGrid", 2, 1), 20, R(6, 1f, 1, 2, 3), Tensor.FromSpan<long>([2, 1, 3, 4]));
        Fails(Make("AffineGrid", 2, 1), 20, R(6, 1f, 1, 2, 3), Tensor.FromSpan<long>([1, 1, 3]));
    }
}
