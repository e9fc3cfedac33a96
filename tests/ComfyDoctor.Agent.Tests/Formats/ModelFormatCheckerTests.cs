using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

public sealed class ModelFormatCheckerTests
{
    [Theory]
    [InlineData("model.onnx", "onnx")]
    [InlineData("exported.pt2", "pt2")]
    [InlineData("README", "unknown")]
    public void Files_without_a_checker_are_unchecked(string name, string format)
    {
        using var dir = new TempDir();
        var check = ModelFormatChecker.Check(dir.WriteText(name, "anything"));
        Assert.Equal(FormatCheck.NotChecked(format), check);
    }

    [Theory]
    [InlineData("gone.safetensors", "safetensors")]
    [InlineData("gone.gguf", "gguf")]
    [InlineData("gone.ckpt", "pickle")]
    public void A_vanished_file_is_invalid_with_the_reason(string name, string format)
    {
        using var dir = new TempDir();
        var check = ModelFormatChecker.Check(dir.Combine(name));
        Assert.Equal((format, FormatStatus.Invalid), (check.Format, check.Status));
        Assert.StartsWith("unreadable: Could not find file", check.Message, StringComparison.Ordinal);
        Assert.Contains(name, check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_named_like_a_model_is_invalid_not_a_crash()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("odd.pth"));
        var check = ModelFormatChecker.Check(dir.Combine("odd.pth"));
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.StartsWith("unreadable: ", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_files_are_invalid_in_every_format()
    {
        using var dir = new TempDir();
        Assert.Equal(
            "file is 0 bytes; a safetensors file starts with an 8-byte header length",
            ModelFormatChecker.Check(dir.Write("e.safetensors", [])).Message
        );
        Assert.Equal("no GGUF magic at the start of the file", ModelFormatChecker.Check(dir.Write("e.gguf", [])).Message);
        Assert.Equal("file is empty", ModelFormatChecker.Check(dir.Write("e.bin", [])).Message);
    }

    [Fact]
    public void Cancellation_is_not_swallowed()
    {
        using var dir = new TempDir();
        var path = dir.Write("big.pkl", new PickleBuilder().Proto(2).Raw(Enumerable.Repeat((byte)'N', 1 << 17).ToArray()).Stop().ToBytes());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => ModelFormatChecker.Check(path, cts.Token));
    }
}
