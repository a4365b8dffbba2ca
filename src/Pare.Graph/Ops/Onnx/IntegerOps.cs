using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv on int8/uint8 operands: zero points are
/// subtracted, products accumulate in int32 (<see cref="IntegerKernels"/>), and the QLinear forms requantize with
/// multiplier = float32(scale_a · scale_b / scale_y) applied in double, as ONNX's reference does.</summary>
internal static class IntegerOps
{
    [OnnxOp("MatMulInteger")]
    public static Tensor?[] MatMulInteger(OpContext c)
    {
        var (a, b) = (c.Input(0), c.Input(1));
        if (QuantizedGemm.MatMul(c, a, c.OptionalInput(2), b, c.OptionalInput(3), rq: null) is { } fast) return [fast];
        var (values, shape) = MatMulCentered(c, a, c.OptionalInput(2), b, c.OptionalInput(3));
        return [Tensor.Wrap(values, shape)];
    }

    [OnnxOp("ConvInteger")]
    public static Tensor?[] ConvInteger(OpContext c)
    {
        if (FastConv(c, c.Input(0), c.OptionalInput(2), c.Input(1), c.OptionalInput(3), rq: null) is { } fast) return [fast];
        var (values, shape, _) = ConvCentered(c, c.Input(0), c.OptionalInput(2), c.Input(1), c.OptionalInput(3));
        return [Tensor.Wrap(values, shape)];
    }

    /// <summary>QLinearMatMul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point).</summary>
    [OnnxOp("QLinearMatMul")]
    public static Tensor?[] QLinearMatMul(OpContext c)
    {
        var (a, b) = (c.Input(0), c.Input(3));
        if (Requantization(c, c.Input(1), c.Input(4), c.Input(6), c.OptionalInput(7), a.DType, null) is { } rq &&
            QuantizedGemm.MatMul(c, a, c.OptionalInput(2), b, c.OptionalInput(5), rq) is { } fast) return [fast];
        var (acc, shape) = MatMulCentered(c, a, c.OptionalInput(2), b, c.OptionalInput(5));
        var aScale = c.FloatsOf(c.Input(1), "a_scale");
        var bScale = c.FloatsOf(c.Input(4), "b_scale");
        int m = shape[-2], n = shape[-1];
        if (aScale.Length != 1 && aScale.Length != m) throw c.Fail($"a_scale has {aScale.Length} values, expected 1 or {m}");
        if (bScale.Length != 1 && bScale.Length != n) throw c.Fail($"b_scale has {bScale.Length} values, expected 1 or {n}");
        return [Requantize(c, acc, shape, i => aScale[aScale.Length == 1 ? 0 : i / n % m] * bScale[bScale.Length == 1 ? 0 : i % n],
            c.Input(6), c.OptionalInput(7), a.DType)];
    }

    /// <summary>QLinearConv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B).</summary>
    [OnnxOp("QLinearConv")]
    public static Tensor?[] QLinearConv(OpContext c)
    {
        var (x, w) = (c.Input(0), c.Input(3));
        if (Requantization(c, c.Input(1), c.Input(4), c.Input(6), c.OptionalInput(7), x.DType, c.OptionalInput(8)) is { } rq &&
            FastConv(c, x, c.OptionalInput(2), w, c.OptionalInput(5), rq) is { } fast) return [fast];
        var (acc, shape, plane) = ConvCentered(c, x, c.OptionalInput(2), w, c.OptionalInput(5));
        int m = shape[1];
        if (c.OptionalInput(8) is { } bias)
        {
            var bs = c.IntsOf(bias, "B");
            if (bias.DType != DType.Int32 || bs.Length != m) throw c.Fail($"B must be int32 with {m} values, got {bias.DType.Name()} {bias.Shape}");
            for (int i = 0; i < acc.Length; i++) acc[i] += bs[i / plane % m];
        }
        float xScale = c.Float(c.Input(1), "x_scale");
        var wScale = c.FloatsOf(c.Input(4), "w_scale");
        if (wScale.Length != 1 && wScale.Length != m) throw c.Fail($"w_scale has {wScale.Length} values, expected 1 or {m}");
        return [Requantize(c, acc, shape, i => xScale * wScale[wScale.Length == 1 ? 0 : i / plane % m], c.Input(6), c.OptionalInput(7), x.DType)];
    }

    /// <summary>MaxPool(2×2, stride 2) of QLinearConv pooled on the int32 sums (<see cref="QLinearConvPool"/>), or null
    /// when the fast path does not cover the case.</summary>
    internal static Tensor? PooledQLinearConv(OpContext c)
    {
        var (x, w) = (c.Input(0), c.Input(3));
        return Requantization(c, c.Input(1), c.Input(4), c.Input(6), c.OptionalInput(7), x.DType, c.OptionalInput(8)) is { } rq
            ? FastConv(c, x, c.OptionalInput(2), w, c.OptionalInput(5), rq, maxPool2x2: true)
            : null;
    }

    /// <summary>The fused requantization of the integer GEMM when scales and zero points allow it (per-tensor input
    /// scale and output parameters, per-tensor or per-column weight scale, int32 bias): multiplier_j =
    /// float32(scale_in · scale_w[j]) / scale_y, as the plain path computes it. Null otherwise.</summary>
    private static QuantizedGemm.Requant? Requantization(OpContext c, Tensor inScale, Tensor wScale, Tensor yScale, Tensor? yZeroPoint, DType inputType, Tensor? bias)
    {
        var type = yZeroPoint?.DType ?? inputType;
        if (inScale.Count != 1 || yScale.Count != 1 || (yZeroPoint is not null && yZeroPoint.Count != 1) || type is not (DType.Int8 or DType.UInt8)) return null;
        if (inScale.DType != DType.Float32 || wScale.DType != DType.Float32 || yScale.DType != DType.Float32) return null;
        if (bias is not null && bias.DType != DType.Int32) return null;
        float si = c.FloatsOf(inScale, "scale")[0], sy = c.FloatsOf(yScale, "y_scale")[0];
        var ws = c.FloatsOf(wScale, "scale");
        var mult = new float[ws.Length];
        for (int j = 0; j < mult.Length; j++) mult[j] = si * ws[j] / sy;
        return new QuantizedGemm.Requant(mult, bias is null ? [] : c.IntsOf(bias, "B"), yZeroPoint is null ? 0 : c.IntsOf(yZeroPoint, "y_zero_point")[0], type == DType.Int8);
    }

    private static Tensor? FastConv(OpContext c, Tensor x, Tensor? xZero, Tensor w, Tensor? wZero, QuantizedGemm.Requant? rq, bool maxPool2x2 = false)
    {
        if (x.Rank != 4 || w.Rank != 4) return null;
        var s = Spatial.Read(c, x.Shape.Dims[2..].ToArray(), w.Shape.Dims[2..].ToArray());
        return QuantizedGemm.Conv(c, x, xZero, w, wZero, s, c.Attributes.Int32("group", 1), rq, maxPool2x2);
    }

    /// <summary>y = saturate(round(acc · float32(inScale(i) / y_scale)) + y_zero_point), typed like y_zero_point
    /// (or like the input when it is omitted).</summary>
    private static Tensor Requantize(OpContext c, int[] acc, Shape shape, Func<int, float> inScale, Tensor yScale, Tensor? yZeroPoint, DType inputType)
    {
        float ys = c.Float(yScale, "y_scale");
        var type = yZeroPoint?.DType ?? inputType;
        if (type is not (DType.Int8 or DType.UInt8)) throw c.Unsupported($"output type {type.Name()} is not supported (int8 and uint8 are)");
        int zp = yZeroPoint is null ? 0 : ScalarInt(c, yZeroPoint, "y_zero_point");
        var q = new int[acc.Length];
        for (int i = 0; i < q.Length; i++)
        {
            float multiplier = inScale(i) / ys;
            q[i] = QuantValues.Saturate(Math.Round(acc[i] * (double)multiplier, MidpointRounding.ToEven) + zp, type);
        }
        return QuantValues.Pack(q, shape, type);
    }

    /// <summary>(A − a_zero_point)·(B − b_zero_point) in int32; a zero point is a scalar, per row of A (M values) or
    /// per column of B (N values). 1-D operands follow numpy.matmul.</summary>
    private static (int[] Values, Shape Shape) MatMulCentered(OpContext c, Tensor a, Tensor? aZero, Tensor b, Tensor? bZero)
    {
        Require8Bit(c, a, "A");
        Require8Bit(c, b, "B");
        if (a.Rank == 0 || b.Rank == 0) throw c.Fail($"A {a.Shape} and B {b.Shape} need at least one dimension");
        var a2 = a.Rank == 1 ? a.Unsqueeze(0) : a;
        var b2 = b.Rank == 1 ? b.Unsqueeze(1) : b;
        var av = Centered(c, c.IntsOf(a2, "A"), aZero, "a_zero_point", a2.Dim(-2), i => i / a2.Dim(-1) % a2.Dim(-2));
        var bv = Centered(c, c.IntsOf(b2, "B"), bZero, "b_zero_point", b2.Dim(-1), i => i % b2.Dim(-1));
        var (values, shape) = IntegerKernels.MatMul(av, a2.Shape, bv, b2.Shape);
        if (a.Rank == 1) shape = Drop(shape, shape.Rank - 2);
        if (b.Rank == 1) shape = Drop(shape, shape.Rank - 1);
        return (values, shape);
    }

    /// <summary>conv(x − x_zero_point, w − w_zero_point) in int32 (1-D or 2-D, Conv's attributes); w_zero_point is
    /// a scalar or one per output channel. Also returns the output plane size.</summary>
    private static (int[] Values, Shape Shape, int Plane) ConvCentered(OpContext c, Tensor x, Tensor? xZero, Tensor w, Tensor? wZero)
    {
        Require8Bit(c, x, "x");
        Require8Bit(c, w, "w");
        if (x.Rank < 3 || w.Rank != x.Rank) throw c.Fail($"x {x.Shape} and w {w.Shape} must have the same rank, at least 3");
        if (x.Rank > 4) throw c.Unsupported($"{x.Rank - 2}-D convolution is not supported (1-D and 2-D are)");
        if (xZero is not null && xZero.Count != 1) throw c.Fail($"x_zero_point must be a scalar, got {xZero.Shape}");
        var s = Spatial.Read(c, x.Shape.Dims[2..].ToArray(), w.Shape.Dims[2..].ToArray());
        int groups = c.Attributes.Int32("group", 1);
        if (groups < 1) throw c.Fail($"group {groups} must be positive");
        var x4 = x.Rank == 3 ? x.Unsqueeze(2) : x;
        var w4 = w.Rank == 3 ? w.Unsqueeze(2) : w;
        if (x.Rank == 3) s = new Spatial([1, s.Kernel[0]], [1, s.Strides[0]], [1, s.Dilations[0]], [0, s.Begin[0]], [0, s.End[0]]);
        int m = w4.Dim(0), perChannel = w4.Count / Math.Max(m, 1);
        var xv = Centered(c, c.IntsOf(x4, "x"), xZero, "x_zero_point", 1, _ => 0);
        var wv = Centered(c, c.IntsOf(w4, "w"), wZero, "w_zero_point", m, i => i / perChannel);
        var (values, shape) = IntegerKernels.Conv2d(xv, x4.Shape, wv, w4.Shape, s, groups);
        int plane = shape[2] * shape[3];
        if (x.Rank == 3) shape = Drop(shape, 2);
        return (values, shape, plane);
    }

    /// <summary>values − zero point, the zero point being a scalar or <paramref name="count"/> values picked by
    /// <paramref name="which"/>(element index).</summary>
    private static int[] Centered(OpContext c, int[] values, Tensor? zero, string what, int count, Func<int, int> which)
    {
        if (zero is null) return values;
        var z = c.IntsOf(zero, what);
        if (z.Length == 1)
        {
            for (int i = 0; i < values.Length; i++) values[i] -= z[0];
            return values;
        }
        if (z.Length != count || zero.Rank != 1) throw c.Unsupported($"{what} {zero.Shape} is not a scalar or {count} values");
        for (int i = 0; i < values.Length; i++) values[i] -= z[which(i)];
        return values;
    }

    private static void Require8Bit(OpContext c, Tensor t, string what)
    {
        if (t.DType is not (DType.Int8 or DType.UInt8)) throw c.Unsupported($"{what} of type {t.DType.Name()} is not supported (int8 and uint8 are)");
    }

    private static int ScalarInt(OpContext c, Tensor t, string what) =>
        t.Count == 1 ? c.IntsOf(t, what)[0] : throw c.Unsupported($"{what} {t.Shape}: only a per-tensor zero point is supported");

    private static Shape Drop(Shape s, int axis)
    {
        var d = s.Dims.ToArray().ToList();
        d.RemoveAt(axis);
        return new Shape(d.ToArray());
    }
}
