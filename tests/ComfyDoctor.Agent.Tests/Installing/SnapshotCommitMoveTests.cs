using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>
/// Issue 19.4: a snapshot restore plans <c>install-node-pack</c> with the snapshot's full commit for a pack that is already
/// installed at another commit (detached, as ComfyUI-Manager leaves it). The installer checks it out in place, confirms
/// HEAD, and on a failure after the move (requirements that would replace torch, in a real venv) puts the checkout and the
/// venv back as they were.
/// </summary>
public sealed class SnapshotCommitMoveTests : IClassFixture<VenvFixture>, IDisposable
{
    private readonly VenvFixture _venv;
    private readonly Sandbox _sandbox = new();
    private readonly PackRepo _repo;
    private readonly string _v1;
    private readonly string _v2;
    private readonly string _folder;

    public SnapshotCommitMoveTests(VenvFixture venv)
    {
        _venv = venv;
        _venv.Reset();
        _repo = new PackRepo(_sandbox.Root, "Pack");
        _v1 = _repo.Write("__init__.py", PackRepo.NodeSource("NodeA")).Commit("one");
        _v2 = _repo.Write("__init__.py", PackRepo.NodeSource("NodeA", "NodeB")).Commit("two");
        _repo.Publish();
        _folder = Path.Combine(_sandbox.CustomNodes, "Pack");
        Cli.Git(_sandbox.CustomNodes, "clone", "--quiet", _repo.Url, "Pack");
        Cli.Git(_folder, "checkout", "--quiet", "--detach", _v2);
    }

    public void Dispose()
    {
        _sandbox.Dispose();
        _venv.Reset();
    }

    private Task<PackInstallResult> InstallAsync(string commit) =>
        InstallerFactory
            .Installer(InstallerFactory.Policy(_repo.Url) with { PipArgs = _venv.PipArgs })
            .InstallAsync(new PackInstallRequest("Pack", _repo.Url, commit, ["NodeA"]), new InstallContext(_sandbox.ComfyUi, _venv.Python));

    [Fact]
    public async Task A_pack_at_another_commit_is_moved_to_the_snapshots_commit_in_place()
    {
        var result = await InstallAsync(_v1);

        Assert.Equal(InstallOutcome.Updated, result.Outcome);
        Assert.Equal((_v1, _v2), (result.Commit, result.PreviousCommit));
        Assert.Equal(_v1, Cli.Git(_folder, "rev-parse", "HEAD"));
    }

    [Fact]
    public async Task A_snapshot_commit_whose_requirements_fail_leaves_checkout_and_venv_as_they_were()
    {
        var v3 = _repo.Write("requirements.txt", "needs-new-torch==1.0.0\n").Commit("three"); // requires torch>=9: refused by constraints
        _repo.Publish();
        var before = _venv.Snapshot();

        var result = await InstallAsync(v3);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Requirements, result.FailedStage);
        Assert.Empty(result.EnvironmentDrift);
        Assert.Equal(_v2, Cli.Git(_folder, "rev-parse", "HEAD"));
        Assert.True(_venv.Snapshot().ChangesSince(before).IsEmpty);
        Assert.Equal("2.0.0", _venv.Snapshot().VersionOf("torch"));
    }
}
