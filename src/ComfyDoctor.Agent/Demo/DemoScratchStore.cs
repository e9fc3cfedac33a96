using System.Security.Cryptography;
using System.Text;

namespace ComfyDoctor.Agent.Demo;

/// <summary>
/// An honest low-disk worker for the demo: an extra model store (a section of its <c>extra_model_paths.yaml</c>, read as
/// ComfyUI reads it) on <c>/dev/shm</c>, a real tmpfs that is far below the 50 GiB yellow line on most machines, so
/// the disk probe measures a genuinely small volume. The store is named after the demo folder (two demos never share
/// one), recreated with the demo, and stores whose demo folder is gone are removed. Where <c>/dev/shm</c> does not
/// exist (not Linux) no store is made.
/// </summary>
public static class DemoScratchStore
{
    public const string Volume = "/dev/shm";
    private const string Prefix = "comfydoctor-demo-";
    private const string OwnerFile = "owner";

    /// <summary>Adds the store to the installation's <c>extra_model_paths.yaml</c>; returns its folder, or null where there is no
    /// tmpfs.</summary>
    public static string? Add(string comfyUiRoot, string demoFolder)
    {
        if (!Directory.Exists(Volume))
        {
            return null;
        }

        RemoveOrphans();
        var store = PathFor(demoFolder);
        if (Directory.Exists(store))
        {
            Directory.Delete(store, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(store, "loras"));
        Directory.CreateDirectory(Path.Combine(store, "checkpoints"));
        File.WriteAllText(Path.Combine(store, OwnerFile), Path.GetFullPath(demoFolder));
        File.AppendAllText(
            Path.Combine(comfyUiRoot, "extra_model_paths.yaml"),
            $"# A fast scratch store for new downloads, on a small RAM-backed volume\nscratch:\n  base_path: {store}\n  loras: "
                + "loras\n  checkpoints: checkpoints\n"
        );
        return store;
    }

    /// <summary>Removes the store of <paramref name="demoFolder"/>, if any.</summary>
    public static void Remove(string demoFolder)
    {
        if (Directory.Exists(PathFor(demoFolder)))
        {
            Directory.Delete(PathFor(demoFolder), recursive: true);
        }
    }

    private static string PathFor(string demoFolder) =>
        Path.Combine(
            Volume,
            Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(demoFolder))))[..16]
        );

    /// <summary>Stores left behind by demo folders that were deleted (test runs, old demos).</summary>
    private static void RemoveOrphans()
    {
        foreach (var store in Directory.EnumerateDirectories(Volume, Prefix + "*"))
        {
            var owner = Path.Combine(store, OwnerFile);
            try
            {
                if (!File.Exists(owner) || !Directory.Exists(File.ReadAllText(owner)))
                {
                    Directory.Delete(store, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another user's or a busy store: left alone
            }
        }
    }
}
