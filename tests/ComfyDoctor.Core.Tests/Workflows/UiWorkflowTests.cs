using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.Workflows;

public sealed class UiWorkflowTests
{
    [Fact]
    public void Reads_types_hints_and_leaves_out_frontend_only_nodes()
    {
        var doc = WorkflowJson.Read(
            """
            {'nodes': [
              {'id': 1, 'type': 'KSampler', 'properties': {'cnr_id': 'comfy-core', 'ver': '0.3.40'}},
              {'id': 2, 'type': 'INTConstant',
               'properties': {'cnr_id': 'comfyui-kjnodes', 'ver': 'a6b867b6', 'aux_id': 'kijai/ComfyUI-KJNodes'}},
              {'id': 3, 'type': 'Note'}, {'id': 4, 'type': 'MarkdownNote'}, {'id': 5, 'type': 'Reroute'},
              {'id': 6, 'type': 'PrimitiveNode'},
              {'id': 7, 'type': 'workflow>My group'}, {'id': 8, 'type': 'workflow/Old group'}
            ], 'links': [], 'unknown_field': {'x': 1}}
            """
        );
        Assert.Equal(WorkflowShape.Ui, doc.Shape);
        Assert.Equal(["KSampler", "INTConstant"], doc.NodeTypes);
        var kj = doc.Nodes[1];
        Assert.Equal(("2", "comfyui-kjnodes", "a6b867b6", "kijai/ComfyUI-KJNodes"), (kj.Id, kj.CnrId, kj.Version, kj.AuxId));
        Assert.Empty(doc.Errors);
    }

    [Fact]
    public void Recurses_into_subgraphs_and_skips_their_instances()
    {
        const string Outer = "11111111-2222-3333-4444-555555555555";
        const string Inner = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
        var doc = WorkflowJson.Read(
            $$$"""
            {'nodes': [{'id': 1, 'type': '{{{Outer}}}'}, {'id': 2, 'type': 'SaveImage'}],
             'definitions': {'subgraphs': [
               {'id': '{{{Outer}}}', 'nodes': [{'id': 5, 'type': 'VHS_VideoCombine'}, {'id': 6, 'type': '{{{Inner}}}'}],
                'definitions': {'subgraphs': [
                  {'id': '{{{Inner}}}', 'nodes': [{'id': 9, 'type': 'UnetLoaderGGUF', 'widgets_values': ['flux\\dev-Q4.gguf']}]}]}}
             ]}}
            """
        );
        Assert.Equal(["SaveImage", "VHS_VideoCombine", "UnetLoaderGGUF"], doc.NodeTypes);
        Assert.Equal($"{Inner}/9", doc.Nodes.Single(n => n.Type == "UnetLoaderGGUF").Id);
        Assert.Equal("unknown/flux/dev-Q4.gguf", Assert.Single(doc.ModelReferences).Identity);
    }

    [Fact]
    public void Group_node_members_are_requirements_and_instances_are_not()
    {
        var doc = WorkflowJson.Read(
            """
            {'nodes': [{'id': 3, 'type': 'workflow>Upscale'}],
             'extra': {'groupNodes': {'Upscale': {'nodes': [
               {'index': 0, 'type': 'UpscaleModelLoader', 'widgets_values': ['4x-UltraSharp.pth']},
               {'index': 1, 'type': 'ImageUpscaleWithModel'}, {'index': 2, 'type': 'Image Save'}]}}}}
            """
        );
        Assert.Equal(["UpscaleModelLoader", "ImageUpscaleWithModel", "Image Save"], doc.NodeTypes);
        Assert.Equal("Upscale/0", doc.Nodes[0].Id);
        Assert.Equal("upscale_models/4x-UltraSharp.pth", Assert.Single(doc.ModelReferences).Identity);
    }

    [Fact]
    public void Maps_core_loader_widgets_by_position_and_takes_urls_from_properties_models()
    {
        var sha = new string('A', 64);
        var doc = WorkflowJson.Read(
            $$$"""
            {'nodes': [
              {'id': 1, 'type': 'CheckpointLoaderSimple', 'widgets_values': ['SDXL\\juggernaut.safetensors']},
              {'id': 2, 'type': 'DualCLIPLoader', 'widgets_values': ['t5xxl_fp16.safetensors', 'clip_l.safetensors', 'flux', 'default']},
              {'id': 3, 'type': 'CLIPVisionLoader', 'widgets_values': ['sigclip.safetensors']},
              {'id': 4, 'type': 'LoraLoader', 'widgets_values': ['detail.safetensors', 1.0, 1.0]},
              {'id': 5, 'type': 'VAELoader', 'widgets_values': ['ae.safetensors'],
               'properties': {'models': [{'name': 'ae.safetensors', 'url': 'https://example.invalid/ae.safetensors',
                                         'hash': '{{{sha}}}', 'hash_type': 'SHA256', 'directory': 'vae'}]}},
              {'id': 6, 'type': 'SomeCustomLoader', 'widgets_values': ['x.ckpt', 'not-a-model.txt', 7]},
              {'id': 7, 'type': 'VHS_VideoCombine', 'widgets_values': {'frame_rate': 8, 'lora_name': 'motion.safetensors'}}
            ]}
            """
        );
        var refs = doc.ModelReferences.ToDictionary(r => r.Identity);
        Assert.Equal(
            [
                "checkpoints/SDXL/juggernaut.safetensors",
                "text_encoders/t5xxl_fp16.safetensors",
                "text_encoders/clip_l.safetensors",
                "clip_vision/sigclip.safetensors",
                "loras/detail.safetensors",
                "vae/ae.safetensors",
                "unknown/x.ckpt",
                "loras/motion.safetensors",
            ],
            doc.ModelReferences.Select(r => r.Identity)
        );
        Assert.Equal(ModelReferenceSource.Widget, refs["checkpoints/SDXL/juggernaut.safetensors"].Source);
        Assert.Equal("SDXL/juggernaut.safetensors", refs["checkpoints/SDXL/juggernaut.safetensors"].FileName);
        Assert.Equal("https://example.invalid/ae.safetensors", refs["vae/ae.safetensors"].Url);
        Assert.Equal(new string('a', 64), refs["vae/ae.safetensors"].Sha256);
        Assert.Equal(ModelReferenceSource.Input, refs["loras/motion.safetensors"].Source);
        Assert.Equal("ae.safetensors", Assert.Single(doc.Nodes[4].ModelHints).Name);
    }

    [Theory]
    [InlineData("../../etc/passwd.safetensors", "'..'")]
    [InlineData("/root/models/x.safetensors", "absolute path")]
    [InlineData("C:\\\\models\\\\x.safetensors", "absolute path")]
    public void Hostile_model_values_become_errors_not_references(string value, string problem)
    {
        var doc = WorkflowJson.Read($$"""{'nodes': [{'id': 4, 'type': 'CheckpointLoaderSimple', 'widgets_values': ['{{value}}']}]}""");
        Assert.Empty(doc.ModelReferences);
        var error = Assert.Single(doc.Errors);
        Assert.Equal(("4", "CheckpointLoaderSimple"), (error.NodeId, error.NodeType));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_every_corpus_workflow()
    {
        var docs = NodeResolution.Corpus.Workflows();
        Assert.Equal(34, docs.Count);
        Assert.Equal(18, docs.Count(d => d.Shape == WorkflowShape.Ui));
        Assert.All(docs, d => Assert.NotEmpty(d.Nodes));
        var wan = docs.Single(d => d.FileName.EndsWith("bhavya1600__wan-remix__wan_workflow.json", StringComparison.Ordinal));
        var vae = wan.ModelReferences.Single(r => r.Identity == "vae/wan_2.1_vae.safetensors");
        Assert.StartsWith("https://huggingface.co/", vae.Url, StringComparison.Ordinal);
    }
}
