using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>
/// Requirements and install.py against a real venv that holds a fake torch 2.0.0, installing only wheels the tests
/// built. Every failure must leave custom_nodes and the venv exactly as they were.
/// </summary>
public sealed class PythonSetupTests : IClassFixture<VenvFixture>, IDisposable
{
    private readonly VenvFixture _venv;
    private readonly Sandbox _sandbox = new();

    public PythonSetupTests(VenvFixture venv)
    {
        _venv = venv;
        _venv.Reset();
    }

    public void Dispose()
    {
        _sandbox.Dispose();
        _venv.Reset();
    }

    private PackRepo Pack(string requirements, string? installPy = null)
    {
        var repo = new PackRepo(_sandbox.Root, "Py-Pack");
        repo.Write("__init__.py", PackRepo.NodeSource("PyNode")).Write("requirements.txt", requirements);
        if (installPy is not null)
        {
            repo.Write("install.py", installPy);
        }

        repo.Commit("pack");
        return repo.Publish();
    }

    private Task<PackInstallResult> InstallAsync(PackRepo repo, Func<InstallPolicy, InstallPolicy>? adjust = null)
    {
        var policy = InstallerFactory.Policy(repo.Url) with { PipArgs = _venv.PipArgs };
        return InstallerFactory
            .Installer(adjust is null ? policy : adjust(policy))
            .InstallAsync(
                new PackInstallRequest("Py-Pack", repo.Url, null, ["PyNode"]),
                new InstallContext(_sandbox.ComfyUi, _venv.Python)
            );
    }

    private void AssertNothingChanged(PackInstallResult result)
    {
        Assert.Empty(_sandbox.CustomNodesListing());
        Assert.True(
            _venv.Snapshot().ChangesSince(_venv.Baseline).IsEmpty,
            string.Join("; ", _venv.Snapshot().ChangesSince(_venv.Baseline).Describe())
        );
        Assert.Empty(result.EnvironmentDrift);
        Assert.Equal("2.0.0", _venv.Snapshot().VersionOf("torch"));
    }

    [Fact]
    public async Task Requirements_are_installed_into_comfyuis_python()
    {
        var result = await InstallAsync(Pack("tinydep==1.0.0\n"));

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal("1.0.0", _venv.Snapshot().VersionOf("tinydep"));
        Assert.Equal("2.0.0", _venv.Snapshot().VersionOf("torch"));
    }

    [Theory]
    [InlineData("torch==9.9.0\n")]
    [InlineData("tinydep\nneeds-new-torch\n")]
    public async Task A_pack_that_would_replace_torch_fails_and_torch_stays(string requirements)
    {
        var result = await InstallAsync(Pack(requirements));

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Requirements, result.FailedStage);
        Assert.Contains("pip install failed", result.Message, StringComparison.Ordinal);
        Assert.Contains("torch", result.LogTail, StringComparison.Ordinal);
        AssertNothingChanged(result);
    }

    [Fact]
    public async Task An_unpinned_torch_requirement_keeps_the_installed_torch()
    {
        var result = await InstallAsync(Pack("torch\ntinydep\n"));

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal("2.0.0", _venv.Snapshot().VersionOf("torch"));
    }

    [Fact]
    public async Task A_denied_release_is_refused_before_pip_runs()
    {
        var result = await InstallAsync(Pack("tinydep\nultralytics==8.3.41\n"));

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Requirements, result.FailedStage);
        Assert.Contains("requirements.txt line 2", result.Message, StringComparison.Ordinal);
        Assert.Contains("known-compromised", result.Message, StringComparison.Ordinal);
        AssertNothingChanged(result);
    }

    [Fact]
    public async Task A_range_that_reaches_a_denied_release_gets_the_last_safe_one()
    {
        var result = await InstallAsync(Pack("ultralytics>=8.3.40\n"));

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal("8.3.40", _venv.Snapshot().VersionOf("ultralytics"));
    }

    [Fact]
    public async Task A_failing_install_script_undoes_the_requirements_and_the_folder()
    {
        var script =
            "import subprocess, sys\n"
            + $"subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--no-index', '--find-links', r'{_venv.Wheelhouse}', "
            + "'tinydep==2.0.0'])\n"
            + "print('install.py: giving up')\nsys.exit(1)\n";

        var result = await InstallAsync(Pack("tinydep==1.0.0\n", script));

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.InstallScript, result.FailedStage);
        Assert.Contains("install.py failed (exit 1)", result.Message, StringComparison.Ordinal);
        Assert.Contains("install.py: giving up", result.LogTail, StringComparison.Ordinal);
        AssertNothingChanged(result);
    }

    [Fact]
    public async Task A_working_install_script_runs_in_the_pack_folder_with_the_same_python()
    {
        var script = "import sys, pathlib\npathlib.Path('marker.txt').write_text(sys.executable)\n";

        var result = await InstallAsync(Pack("tinydep\n", script));

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        var marker = File.ReadAllText(Path.Combine(_sandbox.CustomNodes, "Py-Pack", "marker.txt"));
        Assert.StartsWith(Path.GetDirectoryName(_venv.Python)!, marker, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_install_script_past_its_timeout_is_stopped_and_undone()
    {
        var result = await InstallAsync(Pack("tinydep\n", "import time\ntime.sleep(600)\n"), p =>
            p with
            {
                InstallScriptTimeout = TimeSpan.FromSeconds(2),
            }
        );

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.InstallScript, result.FailedStage);
        Assert.Contains("did not finish", result.Message, StringComparison.Ordinal);
        AssertNothingChanged(result);
    }

    [Fact]
    public async Task A_requirement_from_a_url_is_refused_by_default()
    {
        var result = await InstallAsync(Pack("tinydep @ https://example.invalid/tinydep.whl\n"));

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Contains("URL, VCS or local-path", result.Message, StringComparison.Ordinal);
        AssertNothingChanged(result);
    }

    [Fact]
    public async Task Without_comfyuis_python_a_pack_with_requirements_fails_cleanly()
    {
        var repo = Pack("tinydep\n");

        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(repo.Url))
            .InstallAsync(new PackInstallRequest("Py-Pack", repo.Url, null, ["PyNode"]), new InstallContext(_sandbox.ComfyUi, null));

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Contains("ComfyUI's Python is not known", result.Message, StringComparison.Ordinal);
        Assert.Contains("refused and rolled back, as the plan said", result.Message, StringComparison.Ordinal);
        AssertNothingChanged(result);
    }

    [Fact]
    public async Task A_failed_update_of_an_existing_pack_puts_back_the_commit_and_the_venv()
    {
        var repo = new PackRepo(_sandbox.Root, "Py-Pack");
        var v1 = repo.Write("__init__.py", PackRepo.NodeSource("PyNode")).Commit("v1");
        repo.Publish();
        Cli.Git(_sandbox.CustomNodes, "clone", "--quiet", repo.Url, "Py-Pack");
        var v2 = repo.Write("requirements.txt", "tinydep\ntorch==9.9.0\n").Commit("v2 wants a new torch");
        repo.Publish();
        var folder = Path.Combine(_sandbox.CustomNodes, "Py-Pack");
        var before = WorkTree();

        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(repo.Url) with { PipArgs = _venv.PipArgs })
            .InstallAsync(new PackInstallRequest("Py-Pack", repo.Url, v2, ["PyNode"]), new InstallContext(_sandbox.ComfyUi, _venv.Python));

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Requirements, result.FailedStage);
        Assert.Equal(v1, Cli.Git(folder, "rev-parse", "HEAD"));
        Assert.Equal(before, WorkTree());
        Assert.True(_venv.Snapshot().ChangesSince(_venv.Baseline).IsEmpty);
    }

    [Fact]
    public async Task What_cannot_be_restored_is_reported_package_by_package()
    {
        var script =
            "import subprocess, sys\n"
            + "subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-index', '--find-links', "
            + $"r'{_venv.Wheelhouse}', 'torch==9.9.0'])\n"
            + "sys.exit(1)\n";
        var repo = new PackRepo(_sandbox.Root, "Py-Pack");
        repo.Write("__init__.py", PackRepo.NodeSource("PyNode")).Write("install.py", script).Commit("pack");
        repo.Publish();
        var emptyWheelhouse = _sandbox.Combine("no-wheels");
        Directory.CreateDirectory(emptyWheelhouse);

        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(repo.Url) with { PipArgs = ["--no-index", "--find-links", emptyWheelhouse] })
            .InstallAsync(
                new PackInstallRequest("Py-Pack", repo.Url, null, ["PyNode"]),
                new InstallContext(_sandbox.ComfyUi, _venv.Python)
            );

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.InstallScript, result.FailedStage);
        Assert.Equal(["torch 2.0.0 -> 9.9.0"], result.EnvironmentDrift);
        Assert.Contains("could not be fully restored: torch 2.0.0 -> 9.9.0", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_cancelled_install_cleans_up_before_it_gives_up()
    {
        var repo = Pack("tinydep\n", "import time\ntime.sleep(600)\n");
        using var cts = new CancellationTokenSource();
        var progress = new CancelAt(InstallStage.InstallScript, cts);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            InstallerFactory
                .Installer(InstallerFactory.Policy(repo.Url) with { PipArgs = _venv.PipArgs })
                .InstallAsync(
                    new PackInstallRequest("Py-Pack", repo.Url, null, ["PyNode"]),
                    new InstallContext(_sandbox.ComfyUi, _venv.Python),
                    progress,
                    cts.Token
                )
        );

        Assert.Empty(_sandbox.CustomNodesListing());
        Assert.True(_venv.Snapshot().ChangesSince(_venv.Baseline).IsEmpty);
    }

    private sealed class CancelAt(InstallStage stage, CancellationTokenSource cts) : IProgress<InstallProgress>
    {
        public void Report(InstallProgress value)
        {
            if (value.Stage == stage)
            {
                cts.Cancel();
            }
        }
    }

    private List<string> WorkTree() =>
        [.. _sandbox.CustomNodesListing().Where(l => !l.StartsWith("Py-Pack/.git", StringComparison.Ordinal))];
}
