using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>NonMaxSuppression (opset 10/11): per batch and class, boxes scoring above score_threshold are taken in
/// order of score (ties: lower index first) and each suppresses the later ones it overlaps with IoU above
/// iou_threshold, up to max_output_boxes_per_class. Index output, so plain loops (IoU in float32 like the
/// reference).</summary>
internal static class NonMaxSuppression
{
    /// <summary>boxes (B, N, 4) as [y1, x1, y2, x2] (any two opposite corners) or, with center_point_box = 1,
    /// [x_center, y_center, width, height]; scores (B, C, N) → selected_indices (S, 3) of [batch, class, box].</summary>
    [OnnxOp("NonMaxSuppression", SinceVersion = 10)]
    public static Tensor?[] Run(OpContext c)
    {
        var (boxes, scores) = (c.Input(0), c.Input(1));
        if (boxes.DType != DType.Float32 || scores.DType != DType.Float32)
            throw c.Unsupported($"only float32 boxes and scores are supported, got {boxes.DType.Name()} and {scores.DType.Name()}");
        if (boxes.Rank != 3 || boxes.Shape[2] != 4) throw c.Fail($"boxes {boxes.Shape} must be (batch, boxes, 4)");
        if (scores.Rank != 3 || scores.Shape[0] != boxes.Shape[0] || scores.Shape[2] != boxes.Shape[1])
            throw c.Fail($"scores {scores.Shape} must be (batch, classes, boxes) for boxes {boxes.Shape}");
        long limit = c.OptionalInput(2) is { } l ? Scalar(c, c.Longs(l, "max_output_boxes_per_class"), "max_output_boxes_per_class") : 0;
        float iouThreshold = c.OptionalInput(3) is { } i ? c.Float(i, "iou_threshold") : 0f;
        float? scoreThreshold = c.OptionalInput(4) is { } s ? c.Float(s, "score_threshold") : null;
        if (iouThreshold is < 0f or > 1f) throw c.Fail($"iou_threshold {iouThreshold} must be in [0, 1]");
        bool centers = c.Attributes.Int("center_point_box", 0) != 0;

        int batches = boxes.Shape[0], classes = scores.Shape[1], count = boxes.Shape[1];
        var corners = Corners(boxes.Contiguous().AsSpan<float>(), centers);
        var score = scores.Contiguous().AsSpan<float>();
        var selected = new List<long>();
        var kept = new List<int>();
        for (int b = 0; b < batches; b++)
        {
            for (int k = 0; k < classes; k++)
            {
                var row = score.Slice((b * classes + k) * count, count).ToArray();
                var order = Enumerable.Range(0, count)
                    .Where(n => scoreThreshold is not { } t || row[n] > t)
                    .OrderByDescending(n => row[n]).ThenBy(n => n).ToList();
                kept.Clear();
                foreach (int n in order)
                {
                    if (kept.Count >= limit) break;
                    if (kept.Exists(m => Iou(corners, b * count + m, b * count + n) > iouThreshold)) continue;
                    kept.Add(n);
                    selected.AddRange([b, k, n]);
                }
            }
        }
        return [Tensor.Wrap(selected.ToArray(), new Shape(selected.Count / 3, 3))];
    }

    private static long Scalar(OpContext c, long[] values, string what) =>
        values.Length == 1 ? values[0] : throw c.Fail($"{what} must hold one value, has {values.Length}");

    /// <summary>(y1, x1, y2, x2) per box with y1 ≤ y2 and x1 ≤ x2.</summary>
    private static float[] Corners(ReadOnlySpan<float> boxes, bool centers)
    {
        var corners = new float[boxes.Length];
        for (int i = 0; i < boxes.Length; i += 4)
        {
            float y1, x1, y2, x2;
            if (centers)
            {
                float xc = boxes[i], yc = boxes[i + 1], w = boxes[i + 2], h = boxes[i + 3];
                (y1, x1, y2, x2) = (yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2);
            }
            else
            {
                (y1, x1, y2, x2) = (boxes[i], boxes[i + 1], boxes[i + 2], boxes[i + 3]);
            }
            corners[i] = MathF.Min(y1, y2);
            corners[i + 1] = MathF.Min(x1, x2);
            corners[i + 2] = MathF.Max(y1, y2);
            corners[i + 3] = MathF.Max(x1, x2);
        }
        return corners;
    }

    /// <summary>Intersection over union of boxes a and b; 0 when either has no area.</summary>
    private static float Iou(float[] corners, int a, int b)
    {
        ReadOnlySpan<float> p = corners.AsSpan(4 * a, 4), q = corners.AsSpan(4 * b, 4);
        float areaP = (p[2] - p[0]) * (p[3] - p[1]), areaQ = (q[2] - q[0]) * (q[3] - q[1]);
        if (areaP <= 0 || areaQ <= 0) return 0f;
        float h = MathF.Max(0, MathF.Min(p[2], q[2]) - MathF.Max(p[0], q[0]));
        float w = MathF.Max(0, MathF.Min(p[3], q[3]) - MathF.Max(p[1], q[1]));
        float intersection = h * w;
        return intersection / (areaP + areaQ - intersection);
    }
}
