using System.Numerics;
using System.Numerics.Tensors;

namespace Pare.Core.Kernels.Conv;

/// <summary>What an inference convolution does to each output value after the sum of products, in this order:
/// + bias[channel], · <see cref="PreScale"/>, + <see cref="PreShift"/>, + residual z, <see cref="Activation"/>,
/// · <see cref="OutputScale"/>, + <see cref="OutputShift"/> (each step rounded on its own, so the result equals the
/// unfused ops bit for bit; an absent step is skipped, not replaced by ·1 or +0, which would turn −0 into +0).
/// <see cref="Conv2dKernel"/> applies it to each block of the output right after the GEMM stores it, on the thread
/// that computed it (depthwise: to each output row), instead of in serial passes over the whole output.</summary>
/// <param name="Activation">activation (<see cref="ConvEpilogue.Identity"/> for none)</param>
/// <param name="PreScale">factor after the bias, or null</param>
/// <param name="PreShift">addend after <paramref name="PreScale"/>, or null</param>
/// <param name="OutputScale">factor after the activation, or null</param>
/// <param name="OutputShift">addend after <paramref name="OutputScale"/>, or null</param>
public sealed record ConvOutputStage(ConvEpilogue Activation, float? PreScale = null, float? PreShift = null,
    float? OutputScale = null, float? OutputShift = null)
{
    /// <summary>Nothing after the bias.</summary>
    public static ConvOutputStage None { get; } = new(ConvEpilogue.Identity);

    /// <summary>Whether the stage leaves values as they are (only a bias or residual, if any, is added).</summary>
    public bool IsNone => Activation.Kind == ConvActivation.None && PreScale is null && PreShift is null && OutputScale is null && OutputShift is null;

    /// <summary>The whole stage on one value (the scalar twin of <see cref="ApplyRow"/>).</summary>
    /// <param name="v">sum of products</param>
    /// <param name="bias">bias of the value's channel, or null</param>
    /// <param name="z">residual, or null</param>
    /// <returns>the output value</returns>
    public float Scalar(float v, float? bias, float? z)
    {
        if (bias is { } b) v += b;
        if (PreScale is { } s) v *= s;
        if (PreShift is { } t) v += t;
        if (z is { } r) v += r;
        v = Activation.Scalar(v);
        if (OutputScale is { } os) v *= os;
        if (OutputShift is { } ot) v += ot;
        return v;
    }

    /// <summary>Applies the stage in place to n consecutive values of one output channel.</summary>
    /// <param name="y">values (sums of products), overwritten</param>
    /// <param name="n">count</param>
    /// <param name="hasBias">whether to add <paramref name="bias"/> first</param>
    /// <param name="bias">the channel's bias</param>
    /// <param name="z">n residual values to add before the activation, or null</param>
    internal unsafe void ApplyRow(float* y, int n, bool hasBias, float bias, float* z)
    {
        if (n <= 0) return;
        if (Activation.Kind != ConvActivation.Sigmoid)
        {
            // one row of a tile: the per-case loops of ApplyTile (the flags are not tested per vector)
            ApplyTile(y, n, 1, n, hasBias ? &bias : null, z);
            return;
        }
        // TensorPrimitives' sigmoid between the pre and the post passes (same values as FusedConv's whole-tensor call)
        var pre = new Factors(hasBias, bias, PreScale, PreShift, z != null, null, null);
        int i = Row<ConvEpilogue.IdentityOp>(y, n, z, pre);
        for (; i < n; i++) y[i] = Pre(y[i], z == null ? 0f : z[i], pre);
        var span = new Span<float>(y, n);
        TensorPrimitives.Sigmoid(span, span);
        var post = new Factors(false, 0f, null, null, false, OutputScale, OutputShift);
        i = Row<ConvEpilogue.IdentityOp>(y, n, null, post);
        for (; i < n; i++) y[i] = Post(y[i], post);
    }

    /// <summary>Applies the stage in place to a rows × n block (of a GEMM's C): row r is channel r's values at
    /// y + r·ld, with bias[r] (bias null: none) and residual z + r·ld (z null: none). The constants are set up once
    /// per block, not per row.</summary>
    /// <param name="y">block, overwritten</param>
    /// <param name="ld">row stride of y and z</param>
    /// <param name="rows">rows</param>
    /// <param name="n">values per row</param>
    /// <param name="bias">rows biases, or null</param>
    /// <param name="z">residual block, or null</param>
    internal unsafe void ApplyTile(float* y, int ld, int rows, int n, float* bias, float* z)
    {
        if (n <= 0 || rows <= 0) return;
        switch (Activation.Kind)
        {
            case ConvActivation.None: Tile<ConvEpilogue.IdentityOp>(y, ld, rows, n, bias, z); break;
            case ConvActivation.Relu: Tile<ConvEpilogue.ReluOp>(y, ld, rows, n, bias, z); break;
            case ConvActivation.Clip: Tile<ConvEpilogue.ClipOp>(y, ld, rows, n, bias, z); break;
            case ConvActivation.HardSigmoid: Tile<ConvEpilogue.HardSigmoidOp>(y, ld, rows, n, bias, z); break;
            case ConvActivation.HardSwish: Tile<ConvEpilogue.HardSwishOp>(y, ld, rows, n, bias, z); break;
            case ConvActivation.LeakyRelu: Tile<ConvEpilogue.LeakyReluOp>(y, ld, rows, n, bias, z); break;
            case ConvActivation.ShiftClipMulDiv: Tile<ConvEpilogue.ShiftClipMulDivOp>(y, ld, rows, n, bias, z); break;
            case ConvActivation.Sigmoid:
                for (int r = 0; r < rows; r++)
                    ApplyRow(y + (long)r * ld, n, bias != null, bias == null ? 0f : bias[r], z == null ? null : z + (long)r * ld);
                break;
            default:
                throw new InvalidOperationException($"unknown convolution activation {Activation.Kind}");
        }
    }

    private unsafe void Tile<TOp>(float* y, int ld, int rows, int n, float* bias, float* z) where TOp : struct, ConvEpilogue.IVectorOp
    {
        if (PreScale is null && PreShift is null && OutputScale is null && OutputShift is null && Vector.IsHardwareAccelerated)
        {
            TileActivation<TOp>(y, ld, rows, n, bias, z);
            return;
        }
        int lanes = Vector<float>.Count;
        bool vector = Vector.IsHardwareAccelerated, hasZ = z != null, hasBias = bias != null;
        var a = new Vector<float>(Activation.A);
        var b = new Vector<float>(Activation.B);
        var c = new Vector<float>(Activation.C);
        var d = new Vector<float>(Activation.D);
        var ps = new Vector<float>(PreScale ?? 1f);
        var pt = new Vector<float>(PreShift ?? 0f);
        var os = new Vector<float>(OutputScale ?? 1f);
        var ot = new Vector<float>(OutputShift ?? 0f);
        bool hasPs = PreScale.HasValue, hasPt = PreShift.HasValue, hasOs = OutputScale.HasValue, hasOt = OutputShift.HasValue;
        for (int r = 0; r < rows; r++)
        {
            float* yr = y + (long)r * ld, zr = hasZ ? z + (long)r * ld : null;
            float br = hasBias ? bias[r] : 0f;
            var vb = new Vector<float>(br);
            int i = 0;
            if (vector)
            {
                for (; i <= n - lanes; i += lanes)
                {
                    var v = Vector.Load(yr + i);
                    if (hasBias) v += vb;
                    if (hasPs) v *= ps;
                    if (hasPt) v += pt;
                    if (hasZ) v += Vector.Load(zr + i);
                    v = TOp.Run(v, a, b, c, d);
                    if (hasOs) v *= os;
                    if (hasOt) v += ot;
                    v.Store(yr + i);
                }
            }
            if (i < n)
            {
                var f = new Factors(hasBias, br, PreScale, PreShift, hasZ, OutputScale, OutputShift);
                for (; i < n; i++) yr[i] = Post(Activation.Scalar(Pre(yr[i], hasZ ? zr[i] : 0f, f)), f);
            }
        }
    }

    // Tile without the affine steps (the usual stage: bias, maybe a residual, an activation), with a loop per case
    // instead of a test of every flag for every vector (the JIT does not unswitch the loop): the same operations in
    // the same order, so the same values.
    private unsafe void TileActivation<TOp>(float* y, int ld, int rows, int n, float* bias, float* z) where TOp : struct, ConvEpilogue.IVectorOp
    {
        int lanes = Vector<float>.Count, whole = n - n % lanes;
        var a = new Vector<float>(Activation.A);
        var b = new Vector<float>(Activation.B);
        var c = new Vector<float>(Activation.C);
        var d = new Vector<float>(Activation.D);
        for (int r = 0; r < rows; r++)
        {
            float* yr = y + (long)r * ld, zr = z == null ? null : z + (long)r * ld;
            float br = bias == null ? 0f : bias[r];
            var vb = new Vector<float>(br);
            if (bias != null && zr != null)
                for (int i = 0; i < whole; i += lanes) TOp.Run(Vector.Load(yr + i) + vb + Vector.Load(zr + i), a, b, c, d).Store(yr + i);
            else if (bias != null)
                for (int i = 0; i < whole; i += lanes) TOp.Run(Vector.Load(yr + i) + vb, a, b, c, d).Store(yr + i);
            else if (zr != null)
                for (int i = 0; i < whole; i += lanes) TOp.Run(Vector.Load(yr + i) + Vector.Load(zr + i), a, b, c, d).Store(yr + i);
            else
                for (int i = 0; i < whole; i += lanes) TOp.Run(Vector.Load(yr + i), a, b, c, d).Store(yr + i);
            for (int i = whole; i < n; i++)
            {
                float v = yr[i];
                if (bias != null) v += br;
                if (zr != null) v += zr[i];
                yr[i] = Activation.Scalar(v);
            }
        }
    }

    private static float Pre(float v, float z, in Factors f)
    {
        if (f.HasBias) v += f.Bias;
        if (f.PreScale is { } s) v *= s;
        if (f.PreShift is { } t) v += t;
        if (f.HasZ) v += z;
        return v;
    }

    private static float Post(float v, in Factors f)
    {
        if (f.OutScale is { } s) v *= s;
        if (f.OutShift is { } t) v += t;
        return v;
    }

    // the vector body (Vector<float>: 8 lanes with AVX2/AVX-512, 4 with SSE/NEON); returns where the scalar tail starts.
    // The flags are the same for every vector of a row, so their branches predict perfectly.
    private unsafe int Row<TOp>(float* y, int n, float* z, in Factors f) where TOp : struct, ConvEpilogue.IVectorOp
    {
        if (!Vector.IsHardwareAccelerated) return 0;
        int lanes = Vector<float>.Count, i = 0;
        var a = new Vector<float>(Activation.A);
        var b = new Vector<float>(Activation.B);
        var c = new Vector<float>(Activation.C);
        var d = new Vector<float>(Activation.D);
        var bias = new Vector<float>(f.Bias);
        var ps = new Vector<float>(f.PreScale ?? 1f);
        var pt = new Vector<float>(f.PreShift ?? 0f);
        var os = new Vector<float>(f.OutScale ?? 1f);
        var ot = new Vector<float>(f.OutShift ?? 0f);
        // flags in locals: the stores through y could alias f as far as the JIT knows, so it would reload them
        bool hasBias = f.HasBias, hasZ = f.HasZ;
        bool hasPs = f.PreScale.HasValue, hasPt = f.PreShift.HasValue, hasOs = f.OutScale.HasValue, hasOt = f.OutShift.HasValue;
        for (; i <= n - lanes; i += lanes)
        {
            var v = Vector.Load(y + i);
            if (hasBias) v += bias;
            if (hasPs) v *= ps;
            if (hasPt) v += pt;
            if (hasZ) v += Vector.Load(z + i);
            v = TOp.Run(v, a, b, c, d);
            if (hasOs) v *= os;
            if (hasOt) v += ot;
            v.Store(y + i);
        }
        return i;
    }

    // the per-row switches of the stage, read once per row
    private readonly record struct Factors(bool HasBias, float Bias, float? PreScale, float? PreShift, bool HasZ, float? OutScale, float? OutShift);
}
