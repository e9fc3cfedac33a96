namespace ComfyDoctor.Agent.Demo;

/// <summary>
/// Three demo workers that differ the way real ones do: gpu-01 has every defect of <see cref="DemoInstallation"/>;
/// gpu-02 was repaired from the mirror (its models are right, one unknown upscaler is left); gpu-03 lacks the node
/// pack the others have and still has the broken models. All share one registry.
/// </summary>
public static class DemoFleet
{
    public sealed record Worker(string Name, string ComfyUiRoot);

    public sealed record Fleet(IReadOnlyList<Worker> Workers, string RegistryFile);

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
        var three = DemoInstallation.Create(Path.Combine(folder, "gpu-03"), checkpointMiB: 4);
        Directory.Delete(Path.Combine(three.ComfyUiRoot, "custom_nodes", "ComfyUI-DemoPack"), recursive: true);
        return new Fleet([new("gpu-01", one.ComfyUiRoot), new("gpu-02", two.ComfyUiRoot), new("gpu-03", three.ComfyUiRoot)], one.RegistryFile);
    }
}
