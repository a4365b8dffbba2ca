namespace Pare.Graph.Tests;

/// <summary>A plain scalar (double) RNN/GRU/LSTM written straight from the ONNX equations, one batch entry and one
/// time step at a time, as the slow twin the graph kernels are checked against.</summary>
internal sealed class RecurrentReference
{
    public required string Kind { get; init; } // "RNN", "GRU" or "LSTM"
    public required int S { get; init; }
    public required int B { get; init; }
    public required int I { get; init; }
    public required int H { get; init; }
    public required bool[] Reverse { get; init; }
    public required float[] X { get; init; } // (S, B, I)
    public required float[] W { get; init; } // (D, G·H, I)
    public required float[] R { get; init; } // (D, G·H, H)
    public float[]? Bias { get; init; } // (D, 2·G·H)
    public int[]? Lengths { get; init; }
    public float[]? H0 { get; init; } // (D, B, H)
    public float[]? C0 { get; init; }
    public float[]? P { get; init; } // (D, 3H)
    public required (string Name, double Alpha, double Beta)[] Activations { get; init; }
    public double? Clip { get; init; }
    public bool InputForget { get; init; }
    public bool LinearBeforeReset { get; init; }

    private int D => Reverse.Length;

    private int G => Kind switch { "RNN" => 1, "GRU" => 3, _ => 4 };

    /// <summary>Y (S, D, B, H), Y_h (D, B, H), Y_c (D, B, H).</summary>
    public (float[] Y, float[] Yh, float[] Yc) Run()
    {
        var y = new float[S * D * B * H];
        var yh = new float[D * B * H];
        var yc = new float[D * B * H];
        int perDir = Activations.Length / D;
        for (int d = 0; d < D; d++)
        {
            var act = Activations.AsSpan(d * perDir, perDir).ToArray();
            for (int b = 0; b < B; b++)
            {
                var h = new double[H];
                var c = new double[H];
                for (int j = 0; j < H; j++)
                {
                    h[j] = H0?[(d * B + b) * H + j] ?? 0;
                    c[j] = C0?[(d * B + b) * H + j] ?? 0;
                }
                int len = Lengths?[b] ?? S;
                for (int step = 0; step < len; step++)
                {
                    int t = Reverse[d] ? len - 1 - step : step;
                    (h, c) = Step(d, act, X.AsSpan((t * B + b) * I, I).ToArray(), h, c);
                    for (int j = 0; j < H; j++) y[((t * D + d) * B + b) * H + j] = (float)h[j];
                }
                for (int j = 0; j < H; j++)
                {
                    yh[(d * B + b) * H + j] = (float)h[j];
                    yc[(d * B + b) * H + j] = (float)c[j];
                }
            }
        }
        return (y, yh, yc);
    }

    private (double[] H, double[] C) Step(int d, (string Name, double Alpha, double Beta)[] act, float[] x, double[] h, double[] c)
    {
        // wx[g·H + j] = W_g x + Wb_g; rh[g·H + j] = R_g h + Rb_g
        var wx = new double[G * H];
        var rh = new double[G * H];
        for (int r = 0; r < G * H; r++)
        {
            double sw = Bias?[d * 2 * G * H + r] ?? 0, sr = Bias?[d * 2 * G * H + G * H + r] ?? 0;
            for (int k = 0; k < I; k++) sw += W[(d * G * H + r) * I + k] * (double)x[k];
            for (int k = 0; k < H; k++) sr += R[(d * G * H + r) * H + k] * h[k];
            wx[r] = sw;
            rh[r] = sr;
        }
        var hNew = new double[H];
        var cNew = new double[H];
        if (Kind == "RNN")
        {
            for (int j = 0; j < H; j++) hNew[j] = F(act[0], Clamp(wx[j] + rh[j]));
            return (hNew, cNew);
        }
        if (Kind == "GRU")
        {
            var z = new double[H];
            var rg = new double[H];
            for (int j = 0; j < H; j++)
            {
                z[j] = F(act[0], Clamp(wx[j] + rh[j]));
                rg[j] = F(act[0], Clamp(wx[H + j] + rh[H + j]));
            }
            for (int j = 0; j < H; j++)
            {
                double recurrent;
                if (LinearBeforeReset)
                {
                    recurrent = rg[j] * rh[2 * H + j];
                }
                else
                {
                    recurrent = Bias?[d * 6 * H + 5 * H + j] ?? 0;
                    for (int k = 0; k < H; k++) recurrent += R[(d * 3 * H + 2 * H + j) * H + k] * rg[k] * h[k];
                }
                double hTilde = F(act[1], Clamp(wx[2 * H + j] + recurrent));
                hNew[j] = (1 - z[j]) * hTilde + z[j] * h[j];
            }
            return (hNew, cNew);
        }
        for (int j = 0; j < H; j++)
        {
            double pi = P?[d * 3 * H + j] ?? 0, po = P?[d * 3 * H + H + j] ?? 0, pf = P?[d * 3 * H + 2 * H + j] ?? 0;
            double i = F(act[0], Clamp(wx[j] + rh[j] + pi * c[j]));
            double f = InputForget ? 1 - i : F(act[0], Clamp(wx[2 * H + j] + rh[2 * H + j] + pf * c[j]));
            double g = F(act[1], Clamp(wx[3 * H + j] + rh[3 * H + j]));
            cNew[j] = f * c[j] + i * g;
            double o = F(act[0], Clamp(wx[H + j] + rh[H + j] + po * cNew[j]));
            hNew[j] = o * F(act[2], cNew[j]);
        }
        return (hNew, cNew);
    }

    private double Clamp(double v) => Clip is { } k ? Math.Clamp(v, -k, k) : v;

    private static double F((string Name, double Alpha, double Beta) a, double x) => a.Name switch
    {
        "Sigmoid" => 1 / (1 + Math.Exp(-x)),
        "Tanh" => Math.Tanh(x),
        "Relu" => Math.Max(x, 0),
        "Affine" => a.Alpha * x + a.Beta,
        "LeakyRelu" => x >= 0 ? x : a.Alpha * x,
        "ThresholdedRelu" => x > a.Alpha ? x : 0,
        "ScaledTanh" => a.Alpha * Math.Tanh(a.Beta * x),
        "HardSigmoid" => Math.Clamp(a.Alpha * x + a.Beta, 0, 1),
        "Elu" => x >= 0 ? x : a.Alpha * (Math.Exp(x) - 1),
        "Softsign" => x / (1 + Math.Abs(x)),
        "Softplus" => Math.Log(1 + Math.Exp(x)),
        _ => throw new ArgumentException(a.Name),
    };
}
