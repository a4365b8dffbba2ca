using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Pare.Core;
using Pare.Core.Kernels.Elementwise;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>One activation function of an RNN/GRU/LSTM node (the <c>activations</c> attribute), with its alpha and
/// beta, built from differentiable Core ops.</summary>
internal sealed class RecurrentActivation
{
    private RecurrentActivation(string name, float alpha, float beta)
    {
        Name = name;
        Alpha = alpha;
        Beta = beta;
    }

    /// <summary>The function name as ONNX spells it (matched case-insensitively).</summary>
    public string Name { get; }

    public float Alpha { get; }

    public float Beta { get; }

    /// <summary>The activations (as many per direction as <paramref name="defaults"/> lists) of each of <paramref name="directions"/> directions:
    /// the attribute's list when given, else <paramref name="defaults"/> repeated. activation_alpha/beta are consumed
    /// in order by the functions that take them (as ONNX Runtime reads them); the others use the spec's defaults.</summary>
    public static RecurrentActivation[] Read(OpContext c, string[] defaults, int directions)
    {
        var names = c.Attributes.Strings("activations");
        int perDirection = defaults.Length;
        if (names is null)
        {
            names = new string[perDirection * directions];
            for (int d = 0; d < directions; d++) defaults.CopyTo(names, d * perDirection);
        }
        else if (names.Length == perDirection && directions == 2)
        {
            // one list for both directions: ONNX Runtime accepts it and repeats it
            names = [.. names, .. names];
        }
        else if (names.Length != perDirection * directions)
        {
            throw c.Fail($"attribute 'activations' lists {names.Length} functions, expected {perDirection * directions} ({perDirection} per direction)");
        }
        var alphas = c.Attributes.Floats("activation_alpha") ?? [];
        var betas = c.Attributes.Floats("activation_beta") ?? [];
        int nextAlpha = 0, nextBeta = 0;
        var result = new RecurrentActivation[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            var name = names[i].ToLowerInvariant();
            var (defaultAlpha, defaultBeta, usesAlpha, usesBeta) = name switch
            {
                "relu" or "tanh" or "sigmoid" or "softsign" or "softplus" => (0f, 0f, false, false),
                "affine" => (1f, 0f, true, true),
                "leakyrelu" => (0.01f, 0f, true, false),
                "thresholdedrelu" => (1f, 0f, true, false),
                "scaledtanh" => (1f, 1f, true, true),
                "hardsigmoid" => (0.2f, 0.5f, true, true),
                "elu" => (1f, 0f, true, false),
                _ => throw c.Unsupported($"activation function '{names[i]}' is not supported"),
            };
            float alpha = usesAlpha && nextAlpha < alphas.Length ? alphas[nextAlpha++] : defaultAlpha;
            float beta = usesBeta && nextBeta < betas.Length ? betas[nextBeta++] : defaultBeta;
            result[i] = new RecurrentActivation(name, alpha, beta);
        }
        return result;
    }

    /// <summary>The function applied elementwise to <paramref name="x"/>.</summary>
    public Tensor Apply(Tensor x) => Name switch
    {
        "sigmoid" => CoreOps.Elementwise.Sigmoid(x),
        "tanh" => CoreOps.Elementwise.Tanh(x),
        "relu" => CoreOps.Elementwise.Relu(x),
        "affine" => CoreOps.Elementwise.Add(CoreOps.Elementwise.Mul(x, Alpha), Beta),
        "leakyrelu" => CoreOps.Elementwise.LeakyRelu(x, Alpha),
        "thresholdedrelu" => CoreOps.Elementwise.Where(
            CoreOps.Elementwise.Greater(x, Tensor.Scalar(Alpha)), x, Tensor.Scalar(0f)),
        "scaledtanh" => CoreOps.Elementwise.Mul(CoreOps.Elementwise.Tanh(CoreOps.Elementwise.Mul(x, Beta)), Alpha),
        "hardsigmoid" => CoreOps.Elementwise.Clamp(CoreOps.Elementwise.Add(CoreOps.Elementwise.Mul(x, Alpha), Beta), 0f, 1f),
        "elu" => CoreOps.Elementwise.Where(CoreOps.Elementwise.GreaterEqual(x, Tensor.Scalar(0f)), x,
            CoreOps.Elementwise.Mul(CoreOps.Elementwise.Sub(CoreOps.Elementwise.Exp(x), 1f), Alpha)),
        "softsign" => CoreOps.Elementwise.Div(x, CoreOps.Elementwise.Add(CoreOps.Elementwise.Abs(x), 1f)),
        "softplus" => Softplus(x),
        _ => throw new InvalidOperationException($"activation '{Name}' has no implementation"),
    };

    /// <summary>The function applied in place to <paramref name="x"/> (the inference path's fused cells).</summary>
    public void Apply(Span<float> x)
    {
        switch (Name)
        {
            // the Core operators the Sigmoid and Tanh ops use, so the fused cell and the Core-op cell agree bit for bit
            // (Core's tanh is a rational approximation, several times cheaper than TensorPrimitives.Tanh)
            case "sigmoid":
                ElementwiseDriver.Unary(new ActivationOperators.Sigmoid(), x, x);
                break;
            case "tanh":
                ElementwiseDriver.Unary(new ActivationOperators.Tanh(), x, x);
                break;
            case "relu":
                TensorPrimitives.Max(x, 0f, x);
                break;
            default:
                for (int i = 0; i < x.Length; i++) x[i] = Scalar(x[i]);
                break;
        }
    }

    private float Scalar(float x) => Name switch
    {
        "affine" => Alpha * x + Beta,
        "leakyrelu" => x >= 0 ? x : Alpha * x,
        "thresholdedrelu" => x > Alpha ? x : 0f,
        "scaledtanh" => Alpha * MathF.Tanh(Beta * x),
        "hardsigmoid" => Math.Clamp(Alpha * x + Beta, 0f, 1f),
        "elu" => x >= 0 ? x : Alpha * (MathF.Exp(x) - 1f),
        "softsign" => x / (1f + MathF.Abs(x)),
        "softplus" => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x))),
        _ => throw new InvalidOperationException($"activation '{Name}' has no implementation"),
    };

    // log(1 + e^x) written as max(x, 0) + log(1 + e^−|x|) so large x does not overflow.
    private static Tensor Softplus(Tensor x) =>
        CoreOps.Elementwise.Add(CoreOps.Elementwise.Relu(x),
            CoreOps.Elementwise.Log(CoreOps.Elementwise.Add(CoreOps.Elementwise.Exp(CoreOps.Elementwise.Neg(CoreOps.Elementwise.Abs(x))), 1f)));
}
