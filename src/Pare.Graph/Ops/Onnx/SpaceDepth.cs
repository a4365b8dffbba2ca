using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>DepthToSpace and SpaceToDepth as reshape → permute → reshape on (N, C, H, W): Core views, so every dtype
/// works and the float32 gradient flows.</summary>
internal static class SpaceDepth
{
    [OnnxOp("DepthToSpace")]
    public static Tensor?[] DepthToSpace(OpContext c)
    {
        var x = c.Input(0);
        int b = BlockSize(c, x);
        int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (ch % (b * b) != 0) throw c.Fail($"channels {ch} are not divisible by blocksize² = {b * b}");
        int oc = ch / (b * b);
        var mode = c.Attributes.String("mode", "DCR");
        var y = mode switch
        {
            "DCR" => x.Reshape(n, b, b, oc, h, w).Permute(0, 3, 4, 1, 5, 2),
            "CRD" => x.Reshape(n, oc, b, b, h, w).Permute(0, 1, 4, 2, 5, 3),
            _ => throw c.Fail($"mode '{mode}' is not DCR or CRD"),
        };
        return [y.Contiguous().Reshape(n, oc, h * b, w * b)];
    }

    [OnnxOp("SpaceToDepth")]
    public static Tensor?[] SpaceToDepth(OpContext c)
    {
        var x = c.Input(0);
        int b = BlockSize(c, x);
        int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (h % b != 0 || w % b != 0) throw c.Fail($"height {h} and width {w} must be divisible by blocksize {b}");
        var y = x.Reshape(n, ch, h / b, b, w / b, b).Permute(0, 3, 5, 1, 2, 4);
        return [y.Contiguous().Reshape(n, ch * b * b, h / b, w / b)];
    }

    private static int BlockSize(OpContext c, Tensor x)
    {
        if (x.Rank != 4) throw c.Fail($"input must be (N, C, H, W), has shape {x.Shape}");
        long b = c.Attributes.Int("blocksize");
        return b is >= 1 and <= 65536 ? (int)b : throw c.Fail($"blocksize {b} must be positive");
    }
}
