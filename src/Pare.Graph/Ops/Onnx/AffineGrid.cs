using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>AffineGrid (opset 20): the sampling grid of an affine transform for GridSample, grid = base · θᵀ with
/// base the normalized pixel centres (x, y[, z], 1) in [−1, 1] (align_corners: ±1 at the end centres, else at the
/// outer edges). One Core MatMul, so θ gets its gradient (spatial transformer networks).</summary>
internal static class AffineGrid
{
    /// <summary>theta (N, 2, 3) with size (N, C, H, W) → grid (N, H, W, 2); theta (N, 3, 4) with size
    /// (N, C, D, H, W) → grid (N, D, H, W, 3). Coordinates are listed x (width) first.</summary>
    [OnnxOp("AffineGrid", SinceVersion = 20)]
    public static Tensor?[] Run(OpContext c)
    {
        var theta = c.Input(0);
        if (theta.DType != DType.Float32) throw c.Unsupported($"only float32 is supported, got {theta.DType.Name()}");
        var size = Array.ConvertAll(c.Longs(c.Input(1), "size"), v => c.Size(v, "size"));
        if (size.Length is not (4 or 5)) throw c.Fail($"size must be (N, C, H, W) or (N, C, D, H, W), got {size.Length} values");
        int k = size.Length - 2, n = size[0];
        if (theta.Rank != 3 || theta.Shape[0] != n || theta.Shape[1] != k || theta.Shape[2] != k + 1)
            throw c.Fail($"theta {theta.Shape} must be ({n}, {k}, {k + 1}) for size ({string.Join(", ", size)})");
        bool align = c.Attributes.Int("align_corners", 0) != 0;
        var spatial = size[2..];
        int points = 1;
        foreach (int s in spatial) points *= s;
        // base (points, k + 1): row-major over the spatial axes, columns x (last axis) first, then 1
        var grid = new float[points * (k + 1)];
        for (int p = 0; p < points; p++)
        {
            int rest = p;
            for (int axis = k - 1; axis >= 0; axis--)
            {
                int s = spatial[axis], j = rest % s;
                rest /= s;
                grid[p * (k + 1) + (k - 1 - axis)] = Normalized(j, s, align);
            }
            grid[p * (k + 1) + k] = 1f;
        }
        var basis = Tensor.Wrap(grid, new Shape(points, k + 1));
        var y = CoreOps.Linalg.MatMul(basis, theta.Transpose(-1, -2));
        return [y.Reshape([n, .. spatial, k])];
    }

    /// <summary>Position j of s in [−1, 1]: pixel centres spanning the corners (align) or the edges.</summary>
    private static float Normalized(int j, int s, bool align) =>
        align ? (s == 1 ? -1f : -1f + 2f * j / (s - 1)) : (2f * j + 1f) / s - 1f;
}
