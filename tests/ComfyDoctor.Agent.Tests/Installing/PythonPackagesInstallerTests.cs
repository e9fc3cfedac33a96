using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>
/// <c>install-python-packages</c> (issue 19.4) in a real venv holding a fake torch 2.0.0, installing only wheels the tests
/// built: the planned versions reached and read back, dependencies reported, the torch family refused without the admin's
/// allowance, and every failure — pip's half-way, or one only the installed metadata reveals — leaving the venv as it was.
/// </summary>
public sealed class PythonPackagesInstallerTests : IClassFixture<VenvFixture>, IDisposable
{
    private readonly VenvFixture _venv;
    private readonly TempDir _dir = new();
    private readonly string _wheels;

    public PythonPackagesInstallerTests(VenvFixture venv)
    {
        _venv = venv;
        _venv.Reset();
        _wheels = _dir.Combine("wheels");
        WheelBuilder.Build(_wheels, "aaa", "1.0");
        WheelBuilder.Build(_wheels, "aaa", "2.0", "tinydep>=2");
        WheelBuilder.Build(_wheels, "mmm", "1.0");
        WheelBuilder.Build(_wheels, "zzz", "1.0", "aaa==2.0"); // installed after aaa, and made to fail (see Zzz_cannot_be_written)
        _venv.Pip("install", "--no-index", "--find-links", _venv.Wheelhouse, "--find-links", _wheels, "aaa==1.0", "tinydep==1.0.0");
    }

    public void Dispose()
    {
        var blocker = Path.Combine(SitePackages, "zzz");
        if (File.Exists(blocker))
        {
            File.Delete(blocker);
        }

        _venv.Reset();
        _dir.Dispose();
    }

    private string SitePackages => Path.Combine(Directory.GetDirectories(Path.Combine(_venv.Root, "venv", "lib"))[0], "site-packages");

    private InstallPolicy Policy => InstallerFactory.Policy() with { PipArgs = [.. _venv.PipArgs, "--find-links", _wheels] };

    private static PlannedPython Plan(bool allowTorch, params string[] specs) =>
        new([.. specs.Select(s => s.Split("==")).Select(p => new PythonPackage(p[0], p[1], PythonInstallKinds.Wheel, null))], allowTorch);

    private Task<PythonInstallResult> RunAsync(PlannedPython plan, string? python = null) =>
        new PythonPackagesInstaller(Policy).RunAsync(plan, python ?? _venv.Python, CancellationToken.None);

    private static PythonPackageResult Package(PythonInstallResult result, string name) =>
        Assert.Single(result.Packages, p => p.Name == name);

    [Fact]
    public async Task The_planned_versions_are_installed_verified_and_the_dependencies_that_moved_reported()
    {
        var result = await RunAsync(Plan(false, "aaa==2.0", "numpy==1.26.0"));

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(new PythonPackageResult("aaa", "1.0", "2.0", "2.0", PythonPackageStates.Installed), Package(result, "aaa"));
        Assert.Equal(PythonPackageStates.Unchanged, Package(result, "numpy").State);
        Assert.Equal(
            new PythonPackageResult("tinydep", "1.0.0", null, "2.0.0", PythonPackageStates.Dependency),
            Package(result, "tinydep")
        );
        Assert.Contains("tinydep 1.0.0 → 2.0.0", result.Message, StringComparison.Ordinal);
        Assert.Equal("2.0", _venv.Snapshot().VersionOf("aaa"));
        Assert.Equal("2.0.0", _venv.Snapshot().VersionOf("torch"));
    }

    [Fact]
    public async Task A_version_spelled_otherwise_is_met_as_pip_judges_equality()
    {
        var result = await RunAsync(Plan(false, "aaa==2.0.0", "tinydep==2.0")); // pip installs aaa 2.0; tinydep 2.0.0 is 2.0

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal((PythonPackageStates.Installed, "2.0"), (Package(result, "aaa").State, Package(result, "aaa").After));
        Assert.Equal(PythonPackageStates.Installed, Package(result, "tinydep").State);
    }

    [Fact]
    public async Task A_plan_already_met_runs_no_pip_and_changes_nothing()
    {
        var before = _venv.Snapshot();

        var result = await RunAsync(Plan(false, "aaa==1.0", "torch==2.0.0"));

        Assert.True(result.Succeeded, result.Message);
        Assert.All(result.Packages, p => Assert.Equal(PythonPackageStates.Unchanged, p.State));
        Assert.True(_venv.Snapshot().ChangesSince(before).IsEmpty);
    }

    [Fact]
    public async Task The_torch_family_is_refused_without_the_admins_allowance_and_nothing_changes()
    {
        var before = _venv.Snapshot();

        var result = await RunAsync(Plan(false, "aaa==2.0", "torch==9.9.0"));

        Assert.False(result.Succeeded);
        Assert.StartsWith("refused, nothing was changed: torch is of the torch family", result.Message, StringComparison.Ordinal);
        Assert.Equal(PythonPackageStates.Refused, Package(result, "torch").State);
        Assert.Contains("not attempted", Package(result, "aaa").Message, StringComparison.Ordinal);
        Assert.True(_venv.Snapshot().ChangesSince(before).IsEmpty, string.Join("; ", _venv.Snapshot().ChangesSince(before).Describe()));
    }

    [Fact]
    public async Task With_the_allowance_torch_moves_to_the_planned_version()
    {
        var result = await RunAsync(Plan(true, "torch==9.9.0"));

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(new PythonPackageResult("torch", "2.0.0", "9.9.0", "9.9.0", PythonPackageStates.Installed), Package(result, "torch"));
        Assert.Equal("9.9.0", _venv.Snapshot().VersionOf("torch"));
    }

    [Fact]
    public async Task A_package_that_would_pull_a_new_torch_fails_and_the_venv_is_as_before()
    {
        var before = _venv.Snapshot();

        var result = await RunAsync(Plan(false, "needs-new-torch==1.0.0")); // requires torch>=9: the constraints hold torch at 2.0.0

        Assert.False(result.Succeeded);
        Assert.Contains("pip install failed", result.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back: every package is as it was before", result.Message, StringComparison.Ordinal);
        Assert.True(_venv.Snapshot().ChangesSince(before).IsEmpty);
    }

    [Fact]
    public async Task Zzz_cannot_be_written_so_pip_fails_half_way_and_the_venv_is_put_back_as_it_was()
    {
        File.WriteAllText(Path.Combine(SitePackages, "zzz"), "a file where zzz's package folder must go\n");
        var before = _venv.Snapshot();

        var result = await RunAsync(Plan(false, "aaa==2.0", "zzz==1.0"));

        Assert.False(result.Succeeded);
        Assert.Contains("pip install failed", result.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back: every package is as it was before", result.Message, StringComparison.Ordinal);
        var aaa = Package(result, "aaa"); // pip had moved aaa (zzz's dependency) to 2.0 before zzz failed
        Assert.Equal((PythonPackageStates.RolledBack, "1.0", "1.0"), (aaa.State, aaa.Before, aaa.After));
        Assert.Equal("was 2.0 after pip, put back to 1.0", aaa.Message);
        Assert.Equal(PythonPackageStates.Failed, Package(result, "zzz").State);
        Assert.True(_venv.Snapshot().ChangesSince(before).IsEmpty, string.Join("; ", _venv.Snapshot().ChangesSince(before).Describe()));
    }

    [Fact]
    public async Task A_pip_that_exits_zero_without_installing_is_caught_by_the_metadata()
    {
        var liar = Wrapper("liar", "echo 'Successfully installed aaa-2.0'; exit 0");

        var result = await RunAsync(Plan(false, "aaa==2.0"), liar);

        Assert.False(result.Succeeded);
        Assert.StartsWith("aaa: planned 2.0, the installed metadata says 1.0", result.Message, StringComparison.Ordinal);
        Assert.Equal(PythonPackageStates.Failed, Package(result, "aaa").State);
        Assert.Equal("1.0", _venv.Snapshot().VersionOf("aaa"));
    }

    [Fact]
    public async Task A_change_outside_the_plan_that_is_no_declared_dependency_fails_and_is_undone()
    {
        var before = _venv.Snapshot();
        var once = _dir.Combine("sneaked");
        var sneaky = Wrapper(
            "sneaky", // only its first install sneaks mmm in; the rollback's installs are honest
            $"[ -e \"{once}\" ] || {{ touch \"{once}\"; shift 3; "
                + $"exec \"{_venv.Python}\" -m pip install --no-index --find-links \"{_wheels}\" mmm==1.0 \"$@\"; }}"
        );

        var result = await RunAsync(Plan(false, "aaa==1.0", "numpy==1.26.0", "tinydep==2.0.0"), sneaky);

        Assert.False(result.Succeeded);
        Assert.Contains("mmm absent → 1.0: moved, and is not a declared dependency", result.Message, StringComparison.Ordinal);
        Assert.Equal(PythonPackageStates.RolledBack, Package(result, "mmm").State);
        Assert.Equal(PythonPackageStates.RolledBack, Package(result, "tinydep").State);
        Assert.True(_venv.Snapshot().ChangesSince(before).IsEmpty, string.Join("; ", _venv.Snapshot().ChangesSince(before).Describe()));
    }

    [Fact]
    public async Task A_rollback_that_cannot_reinstall_says_precisely_what_still_differs()
    {
        var once = _dir.Combine("installed-once");
        var failsLater = Wrapper(
            "fails-later", // its first install also brings mmm (a failure to undo); every later install — the rollback's — fails
            $"[ -e \"{once}\" ] && {{ echo 'ERROR: index unreachable' >&2; exit 1; }}; touch \"{once}\"; shift 3; "
                + $"exec \"{_venv.Python}\" -m pip install --no-index --find-links \"{_wheels}\" mmm==1.0 \"$@\""
        );

        var result = await RunAsync(Plan(false, "tinydep==2.0.0"), failsLater);

        Assert.False(result.Succeeded);
        Assert.Contains(
            "ROLLBACK INCOMPLETE, the environment differs from before: tinydep 1.0.0 -> 2.0.0",
            result.Message,
            StringComparison.Ordinal
        );
        var tinydep = Package(result, "tinydep");
        Assert.Equal((PythonPackageStates.RollbackFailed, "2.0.0"), (tinydep.State, tinydep.After));
        Assert.Equal("is 2.0.0 now, was 1.0.0 before: the rollback could not put it back", tinydep.Message);
        Assert.Equal(PythonPackageStates.RolledBack, Package(result, "mmm").State); // the uninstall of what was added worked
    }

    [Theory]
    [InlineData("tinydep", "2.0.0 --index-url http://127.0.0.1:9/simple", "not a distribution name and exact version")]
    [InlineData("tinydep; rm -rf /", "2.0.0", "not a distribution name and exact version")]
    [InlineData("ultralytics", "8.3.41", "known-compromised release")]
    public async Task Unsafe_or_denied_specifiers_are_refused_before_pip(string name, string version, string why)
    {
        var before = _venv.Snapshot();

        var result = await RunAsync(new PlannedPython([new PythonPackage(name, version, PythonInstallKinds.Wheel, null)], false));

        Assert.False(result.Succeeded);
        Assert.Contains(why, result.Message, StringComparison.Ordinal);
        Assert.True(_venv.Snapshot().ChangesSince(before).IsEmpty);
    }

    [Fact]
    public async Task An_editable_install_is_never_restored_by_pip()
    {
        var plan = new PlannedPython([new PythonPackage("my-tool", "0.1.0", PythonInstallKinds.Editable, "file:///src/my-tool")], false);

        var result = await RunAsync(plan);

        Assert.False(result.Succeeded);
        Assert.Contains("my-tool was an editable install (file:///src/my-tool)", result.Message, StringComparison.Ordinal);
    }

    /// <summary>TEST DOUBLE of ComfyUI's interpreter: the real venv Python, except that <c>-m pip install</c> runs
    /// <paramref name="install"/> instead (a pip that lies about its exit, or one that moves more than asked).</summary>
    private string Wrapper(string name, string install) =>
        _dir.WriteExecutable(
            $"bin/{name}",
            $"""
            #!/bin/sh
            # Test double for ComfyUI's python: the real interpreter, but 'pip install' misbehaves on purpose.
            if [ "$1" = "-m" ] && [ "$2" = "pip" ] && [ "$3" = "install" ]; then
              {install}
            fi
            exec "{_venv.Python}" "$@"
            """
        );
}
