using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>
/// Issue 9, case 13 (hooks): a pack repository that carries hooks — executable hook scripts in its own hooks folder and
/// committed ones meant for <c>core.hooksPath</c> — installs without any of them running, and the installed checkout
/// holds no active hook.
/// </summary>
public sealed class GitHooksInstallTests : IDisposable
{
    private readonly Sandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Hooks_in_a_pack_repository_never_run_and_are_not_installed()
    {
        var marker = _sandbox.Combine("hook-ran");
        var hook = $"#!/bin/sh\ntouch '{marker}'\n";
        var pack = new PackRepo(_sandbox.Root, "Hooked-Pack");
        pack.Write("__init__.py", PackRepo.NodeSource("HookedNode"));
        foreach (var name in new[] { "post-checkout", "post-merge", "pre-commit" })
        {
            pack.Write(Path.Combine(".githooks", name), hook);
            File.SetUnixFileMode(
                Path.Combine(pack.Work, ".githooks", name),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            );
        }

        pack.Commit("a pack with hooks");
        pack.Publish();
        foreach (var name in new[] { "post-checkout", "pre-upload-pack", "post-update" })
        {
            var inBare = Path.Combine(pack.Bare, "hooks", name);
            File.WriteAllText(inBare, hook);
            File.SetUnixFileMode(inBare, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(pack.Url))
            .InstallAsync(
                new PackInstallRequest("Hooked-Pack", pack.Url, null, ["HookedNode"]),
                new InstallContext(_sandbox.ComfyUi, null)
            );

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.False(File.Exists(marker), "a hook of the pack's repository ran during the install");
        var hooks = Path.Combine(_sandbox.CustomNodes, "Hooked-Pack", ".git", "hooks");
        Assert.All(Directory.Exists(hooks) ? Directory.GetFiles(hooks) : [], f => Assert.EndsWith(".sample", f, StringComparison.Ordinal));
    }
}
