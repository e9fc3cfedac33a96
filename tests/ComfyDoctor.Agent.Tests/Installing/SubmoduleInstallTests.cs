using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>A pack that vendors a library as a git submodule.</summary>
public sealed class SubmoduleInstallTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly PackRepo _pack;

    public SubmoduleInstallTests()
    {
        var lib = new PackRepo(_sandbox.Root, "Lib");
        lib.Write("lib.py", "VALUE = 42\n").Commit("lib");
        lib.Publish();
        _pack = new PackRepo(_sandbox.Root, "Sub-Pack");
        _pack.Write("__init__.py", PackRepo.NodeSource("SubNode")).AddSubmodule(lib, "vendor/lib").Commit("pack with submodule");
        _pack.Publish();
    }

    public void Dispose() => _sandbox.Dispose();

    private Task<PackInstallResult> InstallAsync(bool submodules) =>
        InstallerFactory
            .Installer(InstallerFactory.Policy(_pack.Url))
            .InstallAsync(
                new PackInstallRequest("Sub-Pack", _pack.Url, null, ["SubNode"], submodules),
                new InstallContext(_sandbox.ComfyUi, null)
            );

    [Fact]
    public async Task Submodules_are_checked_out_when_the_pack_is_listed_as_needing_them()
    {
        var result = await InstallAsync(submodules: true);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal("VALUE = 42\n", File.ReadAllText(Path.Combine(_sandbox.CustomNodes, "Sub-Pack", "vendor", "lib", "lib.py")));
    }

    [Fact]
    public async Task Submodules_are_not_fetched_otherwise()
    {
        var result = await InstallAsync(submodules: false);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.False(File.Exists(Path.Combine(_sandbox.CustomNodes, "Sub-Pack", "vendor", "lib", "lib.py")));
    }

    [Fact]
    public async Task A_submodule_with_an_ext_url_is_refused_and_runs_nothing()
    {
        var marker = _sandbox.Combine("pwned");
        var evil = new PackRepo(_sandbox.Root, "Evil-Pack");
        evil.Write("__init__.py", PackRepo.NodeSource("EvilNode"))
            .Write(".gitmodules", $"[submodule \"x\"]\n\tpath = vendor/x\n\turl = ext::sh -c touch% {marker}\n");
        Cli.Git(evil.Work, "add", "--all");
        Cli.Git(evil.Work, "update-index", "--add", "--cacheinfo", "160000," + new string('1', 40) + ",vendor/x");
        evil.Commit("hostile submodule", addAll: false);
        evil.Publish();

        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(evil.Url))
            .InstallAsync(
                new PackInstallRequest("Evil-Pack", evil.Url, null, ["EvilNode"], Submodules: true),
                new InstallContext(_sandbox.ComfyUi, null)
            );

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Checkout, result.FailedStage);
        Assert.False(File.Exists(marker));
        Assert.Empty(_sandbox.CustomNodesListing());
    }
}
