namespace ComfyDoctor.Agent.Demo;

/// <summary>
/// Three demo workers that differ the way real ones do: gpu-01 has every defect of <see cref="DemoInstallation"/>;
/// gpu-02 was repaired from the mirror (its models are right, one unknown upscaler is left); gpu-03 lacks the node
/// pack the others have and still has the broken models. gpu-02 also has a scratch model store on a small real volume
/// (<see cref="DemoScratchStore"/>), so its disk is low. Where git is installed, the node pack of gpu-01 and gpu-02
/// is a checkout of one repository at two different commits. All share one registry.
/// </summary>
public static class DemoFleet
{
    public sealed record Worker(string Name, string ComfyUiRoot);

    /// <summary>The worker whose agent <c>up --demo</c> stops after the first scan, so the fleet also shows an offline worker.</summary>
    public const string LeavingWorker = "gpu-03";

    public sealed record Fleet(IReadOnlyList<Worker> Workers, string RegistryFile);

    /// <summary>Makes both pack folders checkouts of one repository, the second one commit ahead. Without git: left as folders.</summary>
    private static void CommitDemoPacks(string packOne, string packTwo)
    {
        if (!Git(Path.GetDirectoryName(packOne)!, "init", "--quiet", "--initial-branch=main", packOne))
        {
            return;
        }

        Git(packOne, "remote", "add", "origin", "https://github.com/comfydoctor-demo/ComfyUI-DemoPack");
        Git(packOne, "add", "-A");
        Git(packOne, "commit", "--quiet", "-m", "DemoPack 1.2.0");
        Git(packOne, "tag", "v1.2.0");
        Directory.Delete(packTwo, recursive: true);
        Git(Path.GetDirectoryName(packTwo)!, "clone", "--quiet", packOne, packTwo);
        Git(packTwo, "remote", "set-url", "origin", "https://github.com/comfydoctor-demo/ComfyUI-DemoPack");
        File.AppendAllText(Path.Combine(packTwo, "nodes.py"), "\n# a newer commit on one worker only\n");
        Git(packTwo, "commit", "--quiet", "-am", "DemoPack: a later commit");
    }

    private static bool Git(string cwd, params string[] args)
    {
        var result = Processes
            .ProcessRunner.RunAsync(
                new Processes.ProcessSpec(
                    "git",
                    [
                        "-c",
                        "user.name=ComfyDoctor demo",
                        "-c",
                        "user.email=demo@comfydoctor.invalid",
                        "-c",
                        "commit.gpgsign=false",
                        .. args,
                    ],
                    cwd,
                    new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0" },
                    TimeSpan.FromSeconds(30)
                ),
                CancellationToken.None
            )
            .GetAwaiter()
            .GetResult();
        return result.Succeeded;
    }

    public static Fleet Create(string folder)
    {
        var one = DemoInstallation.Create(Path.Combine(folder, "gpu-01"), checkpointMiB: 4);
        var two = DemoInstallation.Create(Path.Combine(folder, "gpu-02"), checkpointMiB: 4);
        foreach (var file in Directory.GetFiles(two.MirrorFolder, "*", SearchOption.AllDirectories))
        {
            var identity = Path.GetRelativePath(two.MirrorFolder, file);
            var target = Path.Combine(two.ComfyUiRoot, "models", identity);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }

        File.Delete(Path.Combine(two.ComfyUiRoot, "models", "embeddings", "free-prompts.pt"));
        DemoScratchStore.Add(two.ComfyUiRoot, folder);
        var three = DemoInstallation.Create(Path.Combine(folder, "gpu-03"), checkpointMiB: 4);
        Directory.Delete(Path.Combine(three.ComfyUiRoot, "custom_nodes", "ComfyUI-DemoPack"), recursive: true);
        CommitDemoPacks(
            Path.Combine(one.ComfyUiRoot, "custom_nodes", "ComfyUI-DemoPack"),
            Path.Combine(two.ComfyUiRoot, "custom_nodes", "ComfyUI-DemoPack")
        );
        return new Fleet(
            [new("gpu-01", one.ComfyUiRoot), new("gpu-02", two.ComfyUiRoot), new("gpu-03", three.ComfyUiRoot)],
            one.RegistryFile
        );
    }
}
