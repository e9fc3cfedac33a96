using ComfyDoctor.Agent.Runtime;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Runtime;

public sealed class DiskProbeTests
{
    [Fact]
    public void Roots_on_one_volume_are_one_disk_and_missing_roots_are_skipped()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("models", "checkpoints"));
        Directory.CreateDirectory(dir.Combine("models", "loras"));

        var (disks, notes) = DiskProbe.Measure([
            dir.Combine("models", "checkpoints"),
            dir.Combine("models", "loras"),
            dir.Combine("models", "gone"),
        ]);

        var disk = Assert.Single(disks);
        Assert.Equal([dir.Combine("models", "checkpoints"), dir.Combine("models", "loras")], disk.Roots);
        Assert.True(disk.TotalBytes > 0);
        Assert.InRange(disk.FreeBytes, 0, disk.TotalBytes);
        Assert.True(Directory.Exists(disk.Mount));
        Assert.Empty(notes);
    }

    [Fact]
    public void Real_path_resolves_links_anywhere_along_the_path()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("big", "ComfyUI", "models", "loras"));
        Directory.CreateSymbolicLink(dir.Combine("ComfyUI"), dir.Combine("big", "ComfyUI"));
        Directory.CreateSymbolicLink(dir.Combine("relative"), Path.Combine("big", "ComfyUI"));
        var real = DiskProbe.RealPath(dir.Combine("big", "ComfyUI", "models", "loras"));

        Assert.Equal(real, DiskProbe.RealPath(dir.Combine("ComfyUI", "models", "loras")));
        Assert.Equal(real, DiskProbe.RealPath(dir.Combine("relative", "models", "loras")));
    }

    [Fact]
    public void A_linked_root_counts_on_the_volume_it_points_to()
    {
        // /dev/shm is a tmpfs mount on Linux hosts: a root linked there lives on that volume, not on the link's
        if (
            !OperatingSystem.IsLinux()
            || !File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ') is { Length: > 4 } f && f[4] == "/dev/shm")
        )
        {
            return;
        }

        using var dir = new TempDir();
        var shm = Path.Combine("/dev/shm", "cdtest-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            Directory.CreateDirectory(Path.Combine(shm, "loras"));
            Directory.CreateDirectory(dir.Combine("checkpoints"));
            Directory.CreateSymbolicLink(dir.Combine("loras"), Path.Combine(shm, "loras"));

            var (disks, _) = DiskProbe.Measure([dir.Combine("checkpoints"), dir.Combine("loras")]);

            Assert.Equal(2, disks.Count);
            var onShm = Assert.Single(disks, d => d.Mount == "/dev/shm");
            Assert.Equal([dir.Combine("loras")], onShm.Roots);
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
        }
    }

    [Fact]
    public void Volume_is_the_longest_mount_point_containing_the_path()
    {
        string[] mounts = ["/", "/mnt", "/mnt/models", "/mnt/models2"];
        Assert.Equal("/mnt/models", DiskProbe.MountOf("/mnt/models/checkpoints", mounts));
        Assert.Equal("/mnt/models", DiskProbe.MountOf("/mnt/models", mounts));
        Assert.Equal("/mnt", DiskProbe.MountOf("/mnt/models22/x", mounts));
        Assert.Equal("/", DiskProbe.MountOf("/srv/comfy", mounts));
    }
}
