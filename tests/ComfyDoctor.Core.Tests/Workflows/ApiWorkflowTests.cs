using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.Workflows;

public sealed class ApiWorkflowTests
{
    [Fact]
    public void Reads_class_types_and_model_inputs()
    {
        var doc = WorkflowJson.Read(
            """
            {'3': {'class_type': 'KSampler', 'inputs': {'model': ['4', 0], 'seed': 5}},
             '4': {'class_type': 'CheckpointLoaderSimple', 'inputs': {'ckpt_name': 'sd15\\v1-5.ckpt'}, '_meta': {'title': 'Load'}},
             '5': {'class_type': 'CLIPVisionLoader', 'inputs': {'clip_name': 'vit-h.safetensors'}},
             '6': {'class_type': 'UpscaleModelLoader', 'inputs': {'model_name': 'RealESRGAN_x4.pth'}},
             '7': {'class_type': 'LoraLoader|pysssss', 'inputs': {'lora_name': 'None', 'other': 'thing.bin'}},
             '8': {'class_type': 'Note', 'inputs': {}},
             'comment': 'not a node'}
            """,
            "api.json"
        );
        Assert.Equal(WorkflowShape.Api, doc.Shape);
        Assert.Equal(["KSampler", "CheckpointLoaderSimple", "CLIPVisionLoader", "UpscaleModelLoader", "LoraLoader|pysssss"], doc.NodeTypes);
        Assert.Equal(
            ["checkpoints/sd15/v1-5.ckpt", "clip_vision/vit-h.safetensors", "upscale_models/RealESRGAN_x4.pth", "unknown/thing.bin"],
            doc.ModelReferences.Select(r => r.Identity)
        );
        Assert.All(doc.ModelReferences, r => Assert.Equal(ModelReferenceSource.Input, r.Source));
        Assert.Equal("comment", Assert.Single(doc.Errors).NodeId);
    }
}
