using System.Text;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Auth0.Reading;

public class ExportSourceTests
{
    private static async Task<ExportSource> OpenAsync(byte[] content) => await ExportSource.OpenAsync(new MemoryStream(content), "input");

    [TestCase("{\"user_id\":\"auth0|1\"}\n", ExportFormat.NdJson)]
    [TestCase("  \r\n[\n {\"Id\":\"auth0|1\"}\n]", ExportFormat.JsonArray)]
    [TestCase("user_id,email\n\"'auth0|1\",\"'a@example.com\"\n", ExportFormat.Csv)]
    [TestCase("Id\tName\tEmail\nauth0|1\tA, B\ta@example.com\n", ExportFormat.TabSeparated)]
    [TestCase("", ExportFormat.NdJson)]
    public async Task OpenAsync_DetectsFormatFromContent(string content, ExportFormat expected)
    {
        await using var source = await OpenAsync(Encoding.UTF8.GetBytes(content));
        Assert.That(source.Format, Is.EqualTo(expected));
        Assert.That(source.IsCompressed, Is.False);
    }

    [Test]
    public async Task OpenAsync_FileNameDoesNotDecideFormat()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kinde-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, "{\"user_id\":\"auth0|1\"}\n");
        try
        {
            await using var source = await ExportSource.OpenAsync(path);
            Assert.That(source.Format, Is.EqualTo(ExportFormat.NdJson));
            Assert.That(source.Name, Is.EqualTo(Path.GetFileName(path)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task OpenAsync_GzipIsDetectedByMagicBytesAndDecompressed()
    {
        byte[] gz = TestData.Gzip(Encoding.UTF8.GetBytes("{\"user_id\":\"auth0|1\"}\n{\"user_id\":\"auth0|2\"}\n"));
        await using var source = await OpenAsync(gz);
        Assert.That(source.IsCompressed, Is.True);
        Assert.That(source.Format, Is.EqualTo(ExportFormat.NdJson));
        var records = await TestData.ReadUsersAsync(source);
        Assert.That(records.Select(r => r.Value!.UserId), Is.EqualTo(new[] { "auth0|1", "auth0|2" }));
    }

    [Test]
    public async Task OpenAsync_MultiMemberGzipIsReadToTheEnd()
    {
        byte[] first = TestData.Gzip(Encoding.UTF8.GetBytes("{\"user_id\":\"auth0|1\"}\n"));
        byte[] second = TestData.Gzip(Encoding.UTF8.GetBytes("{\"user_id\":\"auth0|2\"}\n"));
        var records = await TestData.ReadUsersFromBytesAsync([.. first, .. second]);
        Assert.That(records.Select(r => r.Value!.UserId), Is.EqualTo(new[] { "auth0|1", "auth0|2" }));
    }

    [Test]
    public async Task OpenAsync_Utf8BomIsStripped()
    {
        byte[] content = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("user_id,email\nauth0|1,a@example.com\n")];
        await using var source = await OpenAsync(content);
        Assert.That(source.Format, Is.EqualTo(ExportFormat.Csv));
        var records = await TestData.ReadUsersAsync(source);
        Assert.That(records.Single().Value!.UserId, Is.EqualTo("auth0|1"));
    }

    [Test]
    public void OpenAsync_AsciiArmouredPgpIsRefusedWithDecryptAdvice()
    {
        byte[] content = Encoding.ASCII.GetBytes("-----BEGIN PGP MESSAGE-----\n\nhQIMA1234567890\n-----END PGP MESSAGE-----\n");
        var ex = Assert.ThrowsAsync<ExportFormatException>(() => OpenAsync(content));
        Assert.That(ex!.Message, Does.Contain("PGP-encrypted").And.Contain("Decrypt it first"));
    }

    [TestCase(new byte[] { 0x85, 0x02, 0x0C, 0x03, 0xA1, 0xFF, 0x00, 0x9C })] // old-format public-key encrypted session key
    [TestCase(new byte[] { 0xC1, 0xC1, 0x4C, 0x03, 0xA1, 0xFF, 0x00, 0x9C })] // new-format public-key encrypted session key
    public void OpenAsync_BinaryPgpPacketIsRefused(byte[] content)
    {
        Assert.ThrowsAsync<ExportFormatException>(() => OpenAsync(content));
    }

    [Test]
    public async Task OpenAsync_TextStartingWithNonAsciiLetterIsNotMistakenForPgp()
    {
        // 0xC3 is also a valid OpenPGP packet tag; as the start of "É" in valid UTF-8 it must not trip the check.
        await using var source = await OpenAsync(Encoding.UTF8.GetBytes("Émail,Id\nx@example.com,auth0|1\n"));
        Assert.That(source.Format, Is.EqualTo(ExportFormat.Csv));
    }

    [Test]
    public async Task OpenAsync_GzipOfPgpIsRefused()
    {
        byte[] gz = TestData.Gzip(Encoding.ASCII.GetBytes("-----BEGIN PGP MESSAGE-----\nabc\n"));
        Assert.ThrowsAsync<ExportFormatException>(() => OpenAsync(gz));
        await Task.CompletedTask;
    }

    [Test]
    public async Task CorruptGzip_StopsTheReadWithAClearError()
    {
        // Regression: corruption inside the compressed stream escaped as an unhandled InvalidDataException.
        string lines = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{{\"user_id\":\"auth0|{i}\",\"email\":\"u{i}@example.com\"}}\n"));
        byte[] gz = TestData.Gzip(Encoding.UTF8.GetBytes(lines));
        for (int i = gz.Length / 2; i < gz.Length / 2 + 64; i++)
        {
            gz[i] ^= 0x5A;
        }

        await using var source = await OpenAsync(gz);
        var ex = Assert.ThrowsAsync<ExportFormatException>(async () =>
        {
            await foreach (var record in new Auth0UserReader().ReadAsync(source))
            {
            }
        });
        Assert.That(ex!.Message, Does.Contain("gzip data is corrupt").And.Contain("input"));
    }
}
