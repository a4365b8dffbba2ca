using System.Runtime.Intrinsics;

namespace Pare.Core.Tests.Kernels;

/// <summary>CI re-runs the kernel tests with instruction sets switched off by environment variables; this test fails
/// when a switch did not take effect, so a re-run never silently tests the same path again. (.NET 10 ignores the
/// older DOTNET_EnableAVX512F knob and reads DOTNET_EnableAVX512 — found that way.)</summary>
public class HardwareIntrinsicsTests
{
    private static bool Off(params string[] names) => names.Any(n => Environment.GetEnvironmentVariable(n) == "0");

    [Fact]
    public void Switched_off_instruction_sets_are_really_off()
    {
        bool all = Off("DOTNET_EnableHWIntrinsic");
        if (all || Off("DOTNET_EnableAVX512F", "DOTNET_EnableAVX512"))
            Assert.False(Vector512.IsHardwareAccelerated, "AVX-512 was switched off but Vector512 is still accelerated");
        if (all || Off("DOTNET_EnableAVX2", "DOTNET_EnableAVX"))
            Assert.False(Vector256.IsHardwareAccelerated, "AVX2 was switched off but Vector256 is still accelerated");
        if (all)
            Assert.False(Vector128.IsHardwareAccelerated, "hardware intrinsics were switched off but Vector128 is still accelerated");
    }
}
