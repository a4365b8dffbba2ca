namespace Pare.Graph.Ops.Onnx;

/// <summary>The function an ONNX Reduce* op folds with.</summary>
internal enum ReduceFn
{
    /// <summary>ReduceSum: Σ x.</summary>
    Sum,

    /// <summary>ReduceMean: Σ x / n.</summary>
    Mean,

    /// <summary>ReduceMax.</summary>
    Max,

    /// <summary>ReduceMin.</summary>
    Min,

    /// <summary>ReduceProd: Π x.</summary>
    Prod,

    /// <summary>ReduceL1: Σ |x|.</summary>
    L1,

    /// <summary>ReduceL2: √Σ x².</summary>
    L2,

    /// <summary>ReduceLogSum: log Σ x.</summary>
    LogSum,

    /// <summary>ReduceLogSumExp: log Σ exp x.</summary>
    LogSumExp,

    /// <summary>ReduceSumSquare: Σ x².</summary>
    SumSquare,
}
