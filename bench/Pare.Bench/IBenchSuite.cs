namespace Pare.Bench;

/// <summary>A group of benchmark rows. Suites are discovered by reflection; each yields its rows lazily so that
/// a name-prefix filter skips the setup of rows that will not run.</summary>
public interface IBenchSuite
{
    /// <summary>The rows: a name and a function that sets the case up and returns the work to time, plus
    /// the floating-point (or integer) operations of one run for a gflops figure (0 when not meaningful).</summary>
    IEnumerable<BenchCase> Cases();
}

/// <summary>One row: <paramref name="Setup"/> prepares inputs and returns the action to time.</summary>
/// <param name="Name">row name, equal to the peer's row name where one exists</param>
/// <param name="Setup">builds the inputs; returns the timed action</param>
/// <param name="Flops">operations per run (2·M·N·K for GEMM), 0 when none is reported</param>
/// <param name="Reps">timed repetitions (median reported)</param>
/// <param name="Extra">more figures to print on the row</param>
/// <param name="Bytes">bytes read plus written per run for a gbps figure (memory-bound kernels), 0 when none</param>
/// <param name="IntOps">integer operations per run (2·M·N·K for an int8 GEMM) for a gops figure, 0 when none</param>
public sealed record BenchCase(string Name, Func<Action> Setup, double Flops = 0, int Reps = 15, IReadOnlyDictionary<string, object>? Extra = null, double Bytes = 0, double IntOps = 0);
