namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>Which machine an executable is built for, from its ELF header, and whether a host's <c>uname -m</c> runs it.</summary>
public static class ElfMachine
{
    /// <summary>The architecture as <c>uname -m</c> says it (x86_64, aarch64), or null when the file is not a 64-bit ELF
    /// executable.</summary>
    public static string? Of(string path)
    {
        var header = new byte[20];
        using (var file = File.OpenRead(path))
        {
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            {
                return null;
            }
        }

        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F' || header[4] != 2)
        {
            return null;
        }

        return BitConverter.ToUInt16(header, 18) switch
        {
            0x3E => "x86_64",
            0xB7 => "aarch64",
            var other => $"machine 0x{other:x}",
        };
    }

    public static bool Runs(string unameMachine, string elf) => elf == unameMachine || (elf == "aarch64" && unameMachine == "arm64");
}
