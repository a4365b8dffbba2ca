using System.Runtime.InteropServices;

namespace Pare.Core.Kernels.QGemm;

/// <summary>Places a few bytes of x86-64 machine code in a page of its own and makes it executable (Linux: mmap
/// read-write, copy, mprotect read-execute — never writable and executable at once). For the one micro-kernel whose
/// instruction .NET has no API for (<see cref="QGemmKernelAvx512Vnni"/>); the page lives as long as the process.</summary>
internal static unsafe partial class ExecutableMemory
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 2, MapAnonymous = 0x20;

    /// <summary>The code's entry point, or 0 where this cannot be done (not Linux x64, or the OS refuses).</summary>
    /// <param name="code">position-independent machine code, entry at offset 0</param>
    /// <returns>the address of the executable copy, or 0</returns>
    public static nint Load(ReadOnlySpan<byte> code)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return 0;
        try
        {
            nuint size = (nuint)((code.Length + 4095) & ~4095);
            void* page = mmap(null, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (page == (void*)-1) return 0;
            code.CopyTo(new Span<byte>(page, code.Length));
            if (mprotect(page, size, ProtRead | ProtExec) != 0)
            {
                _ = munmap(page, size);
                return 0;
            }
            return (nint)page;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = false)]
    private static partial int mprotect(void* addr, nuint length, int prot);

    [LibraryImport("libc", SetLastError = false)]
    private static partial int munmap(void* addr, nuint length);
}
