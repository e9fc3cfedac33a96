using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ComfyDoctor.Agent.Tests.Support;

/// <summary>Starts tests/fixtures/fake_comfyui.py (a test double for ComfyUI, see its header) on a free loopback port.</summary>
public sealed class FakeComfyUi : IAsyncDisposable
{
    private readonly Process _process;

    private FakeComfyUi(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    /// <param name="argv">The command line the stand-in says ComfyUI was started with (<c>system.argv</c>); null = <c>main.py</c>.</param>
    public static async Task<FakeComfyUi> StartAsync(
        string comfyRoot,
        IEnumerable<string> coreNodes,
        string workDir,
        IEnumerable<string>? argv = null
    )
    {
        var core = Path.Combine(workDir, "core-nodes.txt");
        await File.WriteAllLinesAsync(core, coreNodes);
        var portFile = Path.Combine(workDir, "port");
        // run in the ComfyUI folder, as "python main.py" does: relative paths in argv are read against it
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = comfyRoot,
        };
        foreach (var arg in new[] { Script(), comfyRoot, core, portFile }.Concat(argv ?? []))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        for (var i = 0; i < 200 && !File.Exists(portFile); i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("fake ComfyUI exited: " + await process.StandardError.ReadToEndAsync());
            }

            await Task.Delay(50);
        }

        var port = await File.ReadAllTextAsync(portFile);
        return new FakeComfyUi(process, new Uri($"http://127.0.0.1:{port}/"));
    }

    public static string Script([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "fixtures", "fake_comfyui.py"));

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
