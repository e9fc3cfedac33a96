using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>Zip archives read as torch's reader (miniz) and Python's zipfile read them, not as the specification says.</summary>
public sealed class ZipParsingTests
{
    private static readonly byte[] Evil = PickleSamples.Calls("os", "system");

    [Fact]
    public void A_bad_crc_does_not_stop_the_scan_since_torch_never_checks_it()
    {
        Assert.Equal(
            FormatStatus.Valid,
            Check(Zip(new("archive/data.pkl", PickleSamples.StateDict()) { Crc = 0xDEADBEEF, Deflate = true })).Status
        );
        var hostile = Check(Zip(new("archive/data.pkl", Evil) { Crc = 0xDEADBEEF }));
        Assert.Equal((FormatStatus.Unsafe, "os.system"), (hostile.Status, hostile.Imports!.Single()));
    }

    [Theory]
    [InlineData("archive/data.pkl")]
    [InlineData("ARCHIVE/DATA.PKL")]
    [InlineData("some_other_folder/data.pkl")]
    [InlineData("a/b/c/data.Pkl")]
    public void The_pickle_is_found_under_any_folder_in_any_case(string name)
    {
        var check = Check(Zip(new(name, Evil)));
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void A_member_marked_encrypted_is_walked_anyway_and_otherwise_invalid()
    {
        var hostile = Check(Zip(new("archive/data.pkl", Evil) { Flags = 1 }));
        Assert.Equal((FormatStatus.Unsafe, "os.system"), (hostile.Status, hostile.Imports!.Single()));

        var harmless = Check(Zip(new("archive/data.pkl", PickleSamples.StateDict()) { Flags = 0x41 }));
        Assert.Equal(FormatStatus.Invalid, harmless.Status);
        Assert.Equal(
            "archive/data.pkl: is marked encrypted (general-purpose flags 0x0041); torch's zip reader and Python's zipfile refuse "
                + "to read it",
            harmless.Message
        );

        var encrypted = Check(Zip(new("archive/data.pkl", [.. "\u00ff\u00fe"u8, .. new byte[30]]) { Flags = 0x41 }));
        Assert.Equal((FormatStatus.Invalid, harmless.Message), (encrypted.Status, encrypted.Message));
    }

    [Fact]
    public void Unusual_but_harmless_flags_are_read_as_the_loaders_read_them() =>
        Assert.Equal(
            FormatStatus.Valid,
            Check(Zip(new("archive/data.pkl", PickleSamples.StateDict()) { Flags = 0x0808, Deflate = true })).Status
        );

    [Fact]
    public void A_method_torch_cannot_read_is_invalid()
    {
        var bytes = Zip(new("archive/data.pkl", PickleSamples.StateDict()));
        bytes[IndexOf(bytes, "PK\u0001\u0002"u8) + 10] = 14; // LZMA, in the central directory (what the loaders go by)
        var check = Check(bytes);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Equal("archive/data.pkl: it uses compression method 14, which torch's zip reader cannot read", check.Message);
    }

    [Fact]
    public void The_data_starts_where_the_local_header_says_whatever_the_directory_names()
    {
        var decoy = PickleSamples.StateDict();
        var check = Check(
            Zip(
                new("archive/data.pkl", Evil)
                {
                    LocalName = "archive/readme.txt",
                    LocalExtra = [0xfe, 0xca, (byte)decoy.Length, 0, .. decoy],
                }
            )
        );
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void A_local_header_that_disagrees_on_the_method_changes_nothing_the_loaders_read()
    {
        // Both loaders take the method from the directory; the local header's other story is walked too, and its
        // failure to inflate is no finding of its own.
        var check = Check(Zip(new("archive/data.pkl", Evil) { LocalMethod = 8 }));
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal(FormatStatus.Valid, Check(Zip(new("archive/data.pkl", PickleSamples.StateDict()) { LocalMethod = 8 })).Status);
    }

    [Fact]
    public void Every_member_of_a_duplicated_name_is_walked()
    {
        var check = Check(new ZipBuilder().Add("archive/data.pkl", PickleSamples.StateDict()).Add("archive/data.pkl", Evil).ToBytes());
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void Bytes_before_the_archive_shift_every_offset_as_python_reads_it()
    {
        byte[] shifted = [.. "PK\u0003\u0004 padding"u8, .. Zip(new("archive/data.pkl", Evil))];
        var check = Check(shifted);
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void A_directory_cut_short_is_a_damaged_archive()
    {
        var bytes = Zip(new("archive/data.pkl", PickleSamples.StateDict()));
        var check = Check([.. bytes[..IndexOf(bytes, "PK\u0001\u0002"u8)], .. bytes[^22..]]);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.StartsWith("damaged or truncated zip archive: ", check.Message, StringComparison.Ordinal);
    }

    /// <summary>Every byte of a small checkpoint set to 0xFF in turn, and every length it can be cut to: red or green, never yellow, never
    /// a crash.</summary>
    [Fact]
    public void A_damaged_archive_is_never_yellow_and_never_crashes_the_scan()
    {
        var good = ZipBuilder.Torch(PickleSamples.StateDict(), deflate: true).ToBytes();
        using var dir = new TempDir();
        var path = dir.Combine("model.pt");
        var seen = new HashSet<FormatStatus>();
        for (var i = 0; i < good.Length; i++)
        {
            foreach (var damaged in new byte[][] { [.. good[..i], 0xFF, .. good[(i + 1)..]], good[..i] })
            {
                File.WriteAllBytes(path, damaged);
                var check = ModelFormatChecker.Check(path);
                Assert.True(
                    check.Status is FormatStatus.Valid or FormatStatus.Invalid or FormatStatus.Unsafe,
                    $"byte {i}: {check.Status} {check.Message}"
                );
                Assert.True(check.Status == FormatStatus.Valid || !string.IsNullOrEmpty(check.Message), $"byte {i}: no reason given");
                seen.Add(check.Status);
            }
        }

        Assert.Contains(FormatStatus.Invalid, seen);
    }

    private static byte[] Zip(ZipBuilder.Entry entry) => new ZipBuilder().Add(entry).Add("archive/version", "3\n"u8.ToArray()).ToBytes();

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> value) => bytes.AsSpan().IndexOf(value);

    private static FormatCheck Check(byte[] content)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write("model.pt", content));
    }
}
