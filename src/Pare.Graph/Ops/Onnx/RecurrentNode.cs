using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>One time step of a recurrent cell for one direction.</summary>
/// <param name="xw">(B, G·H) this step's input projection X_t·Wᵀ plus the biases the cell folded into it</param>
/// <param name="h">(B, H) previous hidden state</param>
/// <param name="c">(B, H) previous cell state (LSTM), else null</param>
/// <returns>the new hidden state and (LSTM) cell state, each (B, H)</returns>
internal delegate (Tensor H, Tensor? C) RecurrentCell(Tensor xw, Tensor h, Tensor? c);

/// <summary>What RNN, GRU and LSTM share: reading X, W, R, B, sequence_lens and the initial states in either layout
/// and direction, and the time loop. The input projection of all steps is one GEMM per direction; each step then
/// adds one (B, H)·(H, G·H) recurrent product. Under the training executor everything runs on differentiable Core
/// ops, so gradients reach the weights, the inputs and the initial states; the inference executor runs the same
/// equations as fused span loops (<see cref="FusedCell"/>), which the Core-op path checks in the tests.</summary>
internal sealed partial class RecurrentNode
{
    private RecurrentNode(int gates) => Gates = gates;

    /// <summary>Gates per step: 1 (RNN), 3 (GRU), 4 (LSTM).</summary>
    public int Gates { get; }

    public int Directions { get; private set; }

    public int Hidden { get; private set; }

    public int Batch { get; private set; }

    public int Steps { get; private set; }

    public int Layout { get; private set; }

    /// <summary>True for a direction that runs from the last step back.</summary>
    public bool[] Reverse { get; private set; } = [];

    /// <summary>(S, B, I) in time-major order whatever the layout.</summary>
    public Tensor X { get; private set; } = null!;

    /// <summary>(D, G·H, I)</summary>
    public Tensor W { get; private set; } = null!;

    /// <summary>(D, G·H, H)</summary>
    public Tensor R { get; private set; } = null!;

    /// <summary>(D, 2·G·H): W biases then R biases; null when omitted (zeros).</summary>
    public Tensor? B { get; private set; }

    /// <summary>Valid steps per batch entry; null when every entry has all S steps.</summary>
    public int[]? Lengths { get; private set; }

    /// <summary>(D, B, H); null means zeros.</summary>
    public Tensor? InitialH { get; private set; }

    /// <summary>(D, B, H), LSTM only; null means zeros.</summary>
    public Tensor? InitialC { get; private set; }

    /// <summary>Bound on gate pre-activations, or null for none.</summary>
    public float? Clip { get; private set; }

    /// <summary>The activation functions, <c>perDirection</c> for each direction in turn.</summary>
    public RecurrentActivation[] Activations { get; private set; } = [];

    /// <summary>Reads and checks the inputs and attributes common to the three ops.</summary>
    public static RecurrentNode Read(OpContext c, int gates, string[] defaultActivations)
    {
        var n = new RecurrentNode(gates);
        var a = c.Attributes;
        var direction = a.String("direction", "forward");
        n.Reverse = direction switch
        {
            "forward" => [false],
            "reverse" => [true],
            "bidirectional" => [false, true],
            _ => throw c.Fail($"attribute 'direction' is '{direction}', expected forward, reverse or bidirectional"),
        };
        n.Directions = n.Reverse.Length;
        n.Layout = (int)a.Int("layout", 0);
        if (n.Layout is not (0 or 1)) throw c.Fail($"attribute 'layout' is {n.Layout}, expected 0 or 1");

        var x = c.Input(0);
        n.W = Float(c, c.Input(1), "W");
        n.R = Float(c, c.Input(2), "R");
        if (Float(c, x, "X").Rank != 3) throw c.Fail($"X must be rank 3, has shape {x.Shape}");
        n.X = n.Layout == 0 ? x : x.Transpose(0, 1);
        (n.Steps, n.Batch) = (n.X.Dim(0), n.X.Dim(1));
        int inputSize = n.X.Dim(2);
        if (n.R.Rank != 3) throw c.Fail($"R must be rank 3, has shape {n.R.Shape}");
        n.Hidden = n.R.Dim(2);
        if (a.Find("hidden_size") is not null && a.Int("hidden_size") != n.Hidden)
            throw c.Fail($"attribute 'hidden_size' is {a.Int("hidden_size")} but R has shape {n.R.Shape}");
        int d = n.Directions, gh = gates * n.Hidden;
        Expect(c, n.W, "W", d, gh, inputSize);
        Expect(c, n.R, "R", d, gh, n.Hidden);
        if (c.OptionalInput(3) is { } b)
        {
            n.B = Float(c, b, "B");
            Expect(c, n.B, "B", d, 2 * gh);
        }
        if (c.OptionalInput(4) is { } lengths) n.Lengths = ReadLengths(c, lengths, n.Batch, n.Steps);
        n.InitialH = State(c, n, 5, "initial_h");
        if (gates == 4) n.InitialC = State(c, n, 6, "initial_c");
        if (a.Find("clip") is not null)
        {
            var clip = a.Float("clip", 0f);
            if (!(clip > 0f)) throw c.Fail($"attribute 'clip' is {clip}, expected a positive bound");
            n.Clip = clip;
        }
        n.Activations = RecurrentActivation.Read(c, defaultActivations, d);
        return n;
    }

    /// <summary>The gate pre-activations bounded by <see cref="Clip"/> (unchanged without clip).</summary>
    public Tensor Clamp(Tensor gates) => Clip is { } k ? CoreOps.Elementwise.Clamp(gates, -k, k) : gates;

    /// <summary>(G·H, I) input weights of direction <paramref name="d"/>.</summary>
    public Tensor WOf(int d) => W.Slice(0, d, d + 1).Squeeze(0);

    /// <summary>(G·H, H) recurrence weights of direction <paramref name="d"/>.</summary>
    public Tensor ROf(int d) => R.Slice(0, d, d + 1).Squeeze(0);

    /// <summary>(count·H) slice of direction d's bias row starting at gate <paramref name="gate"/> of the 2·G gate
    /// biases (W biases are gates 0..G−1, R biases G..2G−1); null without B.</summary>
    public Tensor? BiasOf(int d, int gate, int count = 1) =>
        B?.Slice(0, d, d + 1).Squeeze(0).Slice(0, gate * Hidden, (gate + count) * Hidden);

    /// <summary>Runs every direction and returns Y, Y_h and (LSTM) Y_c in the node's layout.</summary>
    /// <param name="c">the node</param>
    /// <param name="inputBias">direction → the (G·H) bias added to the input projection, or null</param>
    /// <param name="cellOf">direction → its step function on Core ops (training)</param>
    /// <param name="fusedOf">direction → its fused step function (inference)</param>
    public Tensor?[] Run(OpContext c, Func<int, Tensor?> inputBias, Func<int, RecurrentCell> cellOf, Func<int, FusedCell> fusedOf)
    {
        bool lstm = Gates == 4;
        var ys = new Tensor[Directions];
        var hs = new Tensor[Directions];
        var cs = new Tensor[Directions];
        for (int d = 0; d < Directions; d++)
        {
            var (y, h, cell) = c.Training
                ? RunDirection(d, inputBias(d), cellOf(d), lstm)
                : RunDirectionFused(d, inputBias(d), fusedOf(d), lstm);
            ys[d] = y;
            hs[d] = h;
            if (cell is not null) cs[d] = cell;
        }
        Tensor? yOut = null, hOut = null, cOut = null;
        if (c.WantsOutput(0))
        {
            var y = Directions == 1 ? ys[0].Unsqueeze(1) : CoreOps.Assembly.Stack(ys, 1); // (S, D, B, H)
            yOut = (Layout == 0 ? y : y.Permute(2, 0, 1, 3)).Contiguous();
        }
        if (c.WantsOutput(1)) hOut = StateOut(hs);
        if (lstm && c.WantsOutput(2)) cOut = StateOut(cs);
        return lstm ? [yOut, hOut, cOut] : [yOut, hOut];
    }

    private Tensor StateOut(Tensor[] perDirection)
    {
        var s = Directions == 1 ? perDirection[0].Unsqueeze(0) : CoreOps.Assembly.Stack(perDirection, 0); // (D, B, H)
        return (Layout == 0 ? s : s.Transpose(0, 1)).Contiguous();
    }

    // One direction: (S, B, H) outputs, final h and c.
    private (Tensor Y, Tensor H, Tensor? C) RunDirection(int d, Tensor? bias, RecurrentCell cell, bool lstm)
    {
        int s = Steps, b = Batch, hidden = Hidden;
        var h = InitialH?.Slice(0, d, d + 1).Squeeze(0) ?? Tensor.Zeros([b, hidden]);
        Tensor? cState = lstm ? InitialC?.Slice(0, d, d + 1).Squeeze(0) ?? Tensor.Zeros([b, hidden]) : null;
        if (s == 0) return (Tensor.Zeros([0, b, hidden]), h, cState);

        // X·Wᵀ for all steps at once: (S, B, I)·(I, G·H) → (S, B, G·H)
        var xw = CoreOps.Linalg.MatMul(X, WOf(d).Transpose(0, 1));
        if (bias is not null) xw = CoreOps.Elementwise.Add(xw, bias);

        // With unequal lengths a reverse direction walks each entry from its own last step: reorder the projected
        // steps per entry (an involution, so the same gather puts the outputs back in time order).
        Tensor? order = Reverse[d] && Lengths is not null ? ReverseOrder(Lengths, s, b, Gates * hidden) : null;
        if (order is not null) xw = CoreOps.Indexing.Gather(xw, 0, order);

        var outputs = new Tensor[s];
        for (int step = 0; step < s; step++)
        {
            int t = Reverse[d] && order is null ? s - 1 - step : step;
            var (hNew, cNew) = cell(xw.Slice(0, t, t + 1).Squeeze(0), h, cState);
            if (Lengths is not null && Mask(Lengths, step) is { } mask)
            {
                // entries past their length keep their state and output zeros
                hNew = CoreOps.Elementwise.Add(h, CoreOps.Elementwise.Mul(mask, CoreOps.Elementwise.Sub(hNew, h)));
                if (cState is not null && cNew is not null)
                    cNew = CoreOps.Elementwise.Add(cState, CoreOps.Elementwise.Mul(mask, CoreOps.Elementwise.Sub(cNew, cState)));
                outputs[t] = CoreOps.Elementwise.Mul(hNew, mask);
            }
            else
            {
                outputs[t] = hNew;
            }
            h = hNew;
            cState = cNew;
        }
        var y = CoreOps.Assembly.Stack(outputs, 0);
        if (order is not null) y = CoreOps.Indexing.Gather(y, 0, order.Slice(2, 0, hidden).Contiguous());
        return (y, h, cState);
    }

    // (B, 1) with 1 where step < length, or null when every entry is still running.
    private static Tensor? Mask(int[] lengths, int step)
    {
        if (lengths.All(l => step < l)) return null;
        var m = new float[lengths.Length];
        for (int i = 0; i < m.Length; i++) m[i] = step < lengths[i] ? 1f : 0f;
        return Tensor.Wrap(m, [lengths.Length, 1]);
    }

    // (S, B, width) int64: at step s entry b reads time length_b − 1 − s while s < length_b (else s, masked anyway).
    private static Tensor ReverseOrder(int[] lengths, int s, int b, int width)
    {
        var index = new long[s * b * width];
        for (int step = 0; step < s; step++)
            for (int e = 0; e < b; e++)
            {
                long t = step < lengths[e] ? lengths[e] - 1 - step : step;
                index.AsSpan((step * b + e) * width, width).Fill(t);
            }
        return Tensor.Wrap(index, [s, b, width]);
    }

    private static int[]? ReadLengths(OpContext c, Tensor lengths, int batch, int steps)
    {
        if (lengths.Rank != 1 || lengths.Dim(0) != batch)
            throw c.Fail($"sequence_lens must have shape [{batch}] (the batch size), has {lengths.Shape}");
        var values = c.Ints(lengths, "sequence_lens");
        foreach (var v in values)
            if (v < 0 || v > steps) throw c.Fail($"sequence_lens value {v} is outside [0, {steps}]");
        return values.All(v => v == steps) ? null : values;
    }

    private static Tensor? State(OpContext c, RecurrentNode n, int index, string name)
    {
        if (c.OptionalInput(index) is not { } s) return null;
        Float(c, s, name);
        var state = n.Layout == 0 ? s : s.Rank == 3 ? s.Transpose(0, 1) : s;
        Expect(c, state, name + (n.Layout == 0 ? "" : " (transposed from layout 1)"), n.Directions, n.Batch, n.Hidden);
        return state;
    }

    private static Tensor Float(OpContext c, Tensor t, string name) =>
        t.DType == DType.Float32 ? t : throw c.Unsupported($"{name} is {t.DType.Name()}; only float32 is supported");

    private static void Expect(OpContext c, Tensor t, string name, params int[] dims)
    {
        if (t.Rank != dims.Length || !t.Shape.Dims.SequenceEqual(dims))
            throw c.Fail($"{name} must have shape [{string.Join(", ", dims)}], has {t.Shape}");
    }
}
