using System.Net.Http.Json;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Tests.Support;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Workers whose ComfyUI interpreter is a real venv at <c>&lt;ComfyUI&gt;/venv</c> (the place the agent looks first), filled from
/// a wheelhouse the test builds, beside one git pack (<c>ComfyUI-Extra</c>, two commits, served from a local repository through
/// a git mirror). Agents install only from that wheelhouse (<c>--no-index --find-links</c>, the agent's own pip options) and
/// that mirror.
/// </summary>
public sealed class PythonFleet : IDisposable
{
    public const string PackPrefix = SnapshotRepos.Prefix;
    public const string PackUrl = PackPrefix + "ComfyUI-Extra";

    private PythonFleet(string root, string wheelhouse, string old, string @new)
    {
        Root = root;
        Wheelhouse = wheelhouse;
        PackOld = old;
        PackNew = @new;
    }

    public string Root { get; }

    public string Wheelhouse { get; }

    /// <summary>The pack's older commit (what the snapshots pin) and its newer one.</summary>
    public string PackOld { get; }

    public string PackNew { get; }

    /// <summary>aaa 1.0/2.0, bbb 1.0, stray 1.0 and a torch-family xformers 0.0.27/0.0.28, all pure-Python wheels.</summary>
    public static async Task<PythonFleet> CreateAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "cdpyfleet-" + Guid.NewGuid().ToString("N")[..8]);
        var wheels = Path.Combine(root, "wheels");
        foreach (var (name, version) in new[] { ("aaa", "1.0"), ("aaa", "2.0"), ("bbb", "1.0"), ("stray", "1.0") })
        {
            WheelBuilder.Build(wheels, name, version);
        }

        WheelBuilder.Build(wheels, "xformers", "0.0.27");
        WheelBuilder.Build(wheels, "xformers", "0.0.28");
        var (old, @new) = await SnapshotRepos.ExtraRepoAsync(Path.Combine(root, "repos", "ComfyUI-Extra"));
        return new PythonFleet(root, wheels, old, @new);
    }

    /// <summary>A worker's ComfyUI folder: its venv holding <paramref name="specs"/>, the pack at <paramref name="packCommit"/>.</summary>
    public async Task<(string ComfyUi, TestVenv Venv)> WorkerAsync(string name, string packCommit, params string[] specs)
    {
        var comfy = Path.Combine(Root, name, "ComfyUI");
        Directory.CreateDirectory(Path.Combine(comfy, "models", "checkpoints"));
        Directory.CreateDirectory(Path.Combine(comfy, "custom_nodes"));
        var venv = TestVenv.Create(Path.Combine(comfy, "venv"), Wheelhouse, specs);
        var pack = Path.Combine(comfy, "custom_nodes", "ComfyUI-Extra");
        await SnapshotRepos.CloneAsync(Path.Combine(Root, "repos", "ComfyUI-Extra"), pack, packCommit);
        return (comfy, venv);
    }

    public AgentClient Agent(Uri server, string name, string comfyUi) =>
        new(
            new HttpClient(),
            TestServer.Options(server, name, comfyUi, Path.Combine(Root, "agent-" + name)) with
            {
                Repair = RepairOptions.Default with
                {
                    Install = InstallPolicy.CatalogOnly([]) with
                    {
                        AllowedUrlPrefixes = [PackPrefix],
                        Mirrors = [new GitMirror(PackPrefix, new Uri(Path.Combine(Root, "repos") + "/").AbsoluteUri)],
                        PipArgs = ["--no-index", "--find-links", Wheelhouse],
                    },
                },
            }
        );

    /// <summary>Enrols the agents, asks for a scan and lets each take it.</summary>
    public static async Task ScanAsync(HttpClient admin, IReadOnlyList<AgentClient> agents)
    {
        foreach (var agent in agents)
        {
            Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrols
        }

        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        foreach (var agent in agents)
        {
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        }
    }

    /// <summary>A ComfyUI-Manager snapshot (its field layout) pinning the pack at its older commit and these pips.</summary>
    public string Snapshot(params string[] pips) =>
        $$"""
            {
                "comfyui": null,
                "git_custom_nodes": {
                    "{{PackUrl}}": {
                        "hash": "{{PackOld}}",
                        "disabled": false
                    }
                },
                "cnr_custom_nodes": {},
                "file_custom_nodes": [],
                "pips": {
            {{string.Join(",\n", pips.Select(p => $"        \"{p}\": \"\""))}}
                }
            }
            """;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
