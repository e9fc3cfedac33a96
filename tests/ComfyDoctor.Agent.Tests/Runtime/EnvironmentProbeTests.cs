using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Agent.Runtime;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Runtime;

public sealed class EnvironmentProbeTests
{
    // What `nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader,nounits` prints on a 2-GPU box,
    // and the banner line of plain `nvidia-smi` that carries the CUDA version.
    private const string QueryOutput = "NVIDIA H100 80GB HBM3, 550.54.15, 81559\nNVIDIA GeForce RTX 4090, 550.54.15, 24564\n";

    /// <summary>
    /// TEST DOUBLE for nvidia-smi, which cannot run on a machine without an NVIDIA GPU: prints what the real tool prints
    /// for the two invocations the probe makes.
    /// </summary>
    private static string FakeNvidiaSmi(TempDir dir, string query = QueryOutput, int exitCode = 0)
    {
        dir.WriteText("bin/query.txt", query);
        var path = dir.WriteExecutable(
            "bin/nvidia-smi",
            $"""
            #!/bin/sh
            # Test double for nvidia-smi (no GPU on test machines): prints the real tool's output for the queries used.
            case "$1" in
              --query-gpu=*) cat "$(dirname "$0")/query.txt"; exit {exitCode} ;;
            esac
            echo '+-----------------------------------------------------------------------------------------+'
            echo '| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |'
            echo '+-----------------------------------------------------------------------------------------+'
            """
        );
        return path;
    }

    [Fact]
    public async Task Reads_gpus_driver_and_cuda_from_nvidia_smi()
    {
        using var dir = new TempDir();
        var (gpus, note) = await GpuProbe.ProbeAsync(FakeNvidiaSmi(dir), TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Null(note);
        Assert.Equal(2, gpus.Count);
        Assert.Equal(
            ("NVIDIA H100 80GB HBM3", "550.54.15", 81559L, "12.4"),
            (gpus[0].Name, gpus[0].DriverVersion, gpus[0].MemoryTotalMiB, gpus[0].CudaVersion)
        );
        Assert.Equal("NVIDIA GeForce RTX 4090", gpus[1].Name);
    }

    [Fact]
    public void Parser_accepts_headers_units_and_not_available_values()
    {
        var gpus = GpuProbe.ParseQuery(
            "name, driver_version, memory.total [MiB]\nTesla T4, 535.104.05, 15360 MiB\nGRID A100D-4C, [N/A], [N/A]\n",
            null
        );
        Assert.Equal(2, gpus.Count);
        Assert.Equal(15360, gpus[0].MemoryTotalMiB);
        Assert.Null(gpus[1].DriverVersion);
        Assert.Null(gpus[1].MemoryTotalMiB);
    }

    [Fact]
    public async Task Missing_or_failing_nvidia_smi_is_a_note_not_an_error()
    {
        using var dir = new TempDir();
        var (none, missing) = await GpuProbe.ProbeAsync(dir.Combine("no-such-nvidia-smi"), TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Empty(none);
        Assert.Equal("nvidia-smi not found", missing);

        var failing = FakeNvidiaSmi(dir, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", exitCode: 9);
        var (empty, failed) = await GpuProbe.ProbeAsync(failing, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Empty(empty);
        Assert.Contains("couldn't communicate with the NVIDIA driver", failed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probes_comfyuis_own_venv_and_a_torch_build()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        Directory.CreateDirectory(comfy);
        var venv = await ProcessRunner.RunAsync(
            new ProcessSpec("python3", ["-m", "venv", "--without-pip", Path.Combine(comfy, "venv")]),
            CancellationToken.None
        );
        Assert.True(venv.Succeeded, venv.StdErr);
        dir.WriteText("ComfyUI/comfyui_version.py", "# generated\n__version__ = \"0.3.66\"\n");

        var options = new ProbeOptions(comfy, null, [comfy], TimeSpan.FromSeconds(20), FakeNvidiaSmi(dir));
        var withoutTorch = await EnvironmentProbe.ProbeAsync(options, CancellationToken.None);

        Assert.Equal(Path.Combine(comfy, "venv", "bin", "python"), withoutTorch.Python!.Executable);
        Assert.Matches(@"^3\.\d+\.\d+$", withoutTorch.Python.Version);
        Assert.Null(withoutTorch.Python.Torch);
        Assert.Contains("No module named 'torch'", withoutTorch.Python.Error, StringComparison.Ordinal);
        Assert.Equal("0.3.66", withoutTorch.ComfyUiVersion);
        Assert.Equal(2, withoutTorch.Gpus.Count);
        Assert.Contains(withoutTorch.Disks, d => d.Roots.Contains(comfy));

        // TEST DOUBLE for PyTorch (it cannot be installed here): a package answering the three questions the probe asks.
        var sitePackages = Directory.GetDirectories(Path.Combine(comfy, "venv", "lib"))[0];
        dir.WriteText(
            Path.GetRelativePath(dir.Path, Path.Combine(sitePackages, "site-packages", "torch", "__init__.py")),
            "__version__ = '2.4.1+cu124'\nclass version:\n    cuda = '12.4'\nclass cuda:\n    @staticmethod\n    def "
                + "is_available():\n        return False\n"
        );
        var withTorch = await EnvironmentProbe.ProbeAsync(options, CancellationToken.None);
        Assert.Equal(("2.4.1+cu124", "12.4", false), (withTorch.Python!.Torch, withTorch.Python.TorchCuda, withTorch.Python.CudaAvailable));
        Assert.Null(withTorch.Python.Error);
    }

    [Fact]
    public async Task A_hanging_interpreter_times_out()
    {
        using var dir = new TempDir();
        var python = dir.WriteExecutable("slow-python", "#!/bin/sh\nsleep 30\n");

        var facts = await PythonProbe.ProbeAsync(new ProbeOptions(dir.Path, python, [], TimeSpan.FromSeconds(1)), CancellationToken.None);

        Assert.Equal(python, facts!.Executable);
        Assert.Null(facts.Version);
        Assert.Equal("timed out after 1 s", facts.Error);
    }

    [Fact]
    public async Task Nothing_found_is_unknown_with_notes()
    {
        using var dir = new TempDir();
        var facts = await EnvironmentProbe.ProbeAsync(
            new ProbeOptions(dir.Path, null, [dir.Combine("missing")], TimeSpan.FromSeconds(5), dir.Combine("none")),
            CancellationToken.None
        );
        Assert.Null(facts.Python);
        Assert.Null(facts.ComfyUiVersion);
        Assert.Empty(facts.Gpus);
        Assert.Empty(facts.Disks);
        Assert.Equal(3, facts.Notes.Count);
    }

    [Fact]
    public void Parser_treats_every_bracketed_placeholder_as_unknown_and_accepts_crlf()
    {
        var gpus = GpuProbe.ParseQuery(
            "NVIDIA A10G, [Insufficient Permissions], [Unknown Error]\r\nNVIDIA L4, 535.161.08, 23034\r\n",
            "12.2"
        );
        Assert.Equal(2, gpus.Count);
        Assert.Equal(("NVIDIA A10G", null, null), (gpus[0].Name, gpus[0].DriverVersion, gpus[0].MemoryTotalMiB));
        Assert.Equal(
            ("NVIDIA L4", "535.161.08", 23034L, "12.2"),
            (gpus[1].Name, gpus[1].DriverVersion, gpus[1].MemoryTotalMiB, gpus[1].CudaVersion)
        );
    }

    [Fact]
    public async Task An_interpreter_that_does_not_answer_is_a_note()
    {
        using var dir = new TempDir();
        var failing = dir.WriteExecutable(
            "broken-python",
            "#!/bin/sh\necho 'Fatal Python error: init_fs_encoding: failed to get the Python codec' >&2\nexit 1\n"
        );

        var facts = await EnvironmentProbe.ProbeAsync(
            new ProbeOptions(dir.Path, failing, [], NvidiaSmi: dir.Combine("none")),
            CancellationToken.None
        );

        Assert.Equal("exit code 1: Fatal Python error: init_fs_encoding: failed to get the Python codec", facts.Python!.Error);
        Assert.Contains(facts.Notes, n => n.StartsWith($"Python {failing} did not answer: exit code 1", StringComparison.Ordinal));

        var missing = await PythonProbe.ProbeAsync(new ProbeOptions(dir.Path, dir.Combine("no-python"), []), CancellationToken.None);
        Assert.Null(missing!.Version);
        Assert.Contains(dir.Combine("no-python"), missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_timeout_is_twenty_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), new ProbeOptions("/x", null, []).EffectiveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), new ProbeOptions("/x", null, [], TimeSpan.FromSeconds(3)).EffectiveTimeout);
    }
}
