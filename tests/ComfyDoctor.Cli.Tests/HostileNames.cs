using System.Diagnostics;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Creates file-system entries .NET cannot name: files whose names are not UTF-8 (through <c>python3</c>, which takes
/// the name as bytes), FIFOs (<c>mkfifo</c>) and Unix sockets.
/// </summary>
internal static class HostileNames
{
    /// <summary>Writes <paramref name="content"/> to <c>folder/name</c>, the name given as bytes.</summary>
    public static void WriteFile(string folder, byte[] name, byte[] content) =>
        Run(
            "python3",
            "-c",
            "import os,sys; open(os.fsencode(sys.argv[1]) + b'/' + bytes.fromhex(sys.argv[2]), 'wb').write(bytes.fromhex(sys.argv[3]))",
            folder,
            Convert.ToHexString(name),
            Convert.ToHexString(content)
        );

    public static void MakeFifo(string path) => Run("mkfifo", path);

    public static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} failed: {error}");
    }

    /// <summary>A pickle that runs <c>os.system("id")</c> when loaded (protocol 2, GLOBAL + REDUCE).</summary>
    public static byte[] CodeExecutingPickle => [0x80, 0x02, .. "cos\nsystem\nq\0X\u0002\0\0\0idq\u0001"u8, 0x85, .. "q\u0002Rq\u0003."u8];

    /// <summary>A valid safetensors file of one 4-byte tensor.</summary>
    public static byte[] Safetensors()
    {
        var header = "{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}"u8.ToArray();
        return [.. BitConverter.GetBytes((ulong)header.Length), .. header, 1, 2, 3, 4];
    }
}
