using System.IO.Compression;
using System.Text;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;

namespace Kinde.Migration.Tests.Helpers;

/// <summary>Fixture paths and small helpers shared by the tests.</summary>
internal static class TestData
{
    public static string Root => Path.Combine(TestContext.CurrentContext.TestDirectory, "data");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The README's sample user export (8 users, gzip NDJSON).</summary>
    public static string SampleUsers => PathOf("sample/users.ndjson.gz");

    /// <summary>The sample's password-hash export (4 hashes).</summary>
    public static string SamplePasswords => PathOf("sample/passwords.ndjson");

    public static async Task<List<ExportRecord<Auth0User>>> ReadUsersAsync(string path, Auth0ReaderOptions? options = null)
    {
        await using var source = await ExportSource.OpenAsync(path);
        return await ReadUsersAsync(source, options);
    }

    public static async Task<List<ExportRecord<Auth0User>>> ReadUsersAsync(ExportSource source, Auth0ReaderOptions? options = null)
    {
        var records = new List<ExportRecord<Auth0User>>();
        await foreach (var record in new Auth0UserReader(options ?? new Auth0ReaderOptions()).ReadAsync(source))
        {
            records.Add(record);
        }

        return records;
    }

    public static async Task<List<ExportRecord<Auth0User>>> ReadUsersFromBytesAsync(byte[] content, Auth0ReaderOptions? options = null, string name = "input")
    {
        await using var source = await ExportSource.OpenAsync(new MemoryStream(content), name);
        return await ReadUsersAsync(source, options);
    }

    public static Task<List<ExportRecord<Auth0User>>> ReadUsersFromTextAsync(string content, Auth0ReaderOptions? options = null) =>
        ReadUsersFromBytesAsync(Encoding.UTF8.GetBytes(content), options);

    public static async Task<List<ExportRecord<Auth0PasswordHash>>> ReadHashesAsync(string path)
    {
        await using var source = await ExportSource.OpenAsync(path);
        return await ReadHashesAsync(source);
    }

    public static async Task<List<ExportRecord<Auth0PasswordHash>>> ReadHashesFromTextAsync(string content)
    {
        await using var source = await ExportSource.OpenAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), "hashes");
        return await ReadHashesAsync(source);
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private static async Task<List<ExportRecord<Auth0PasswordHash>>> ReadHashesAsync(ExportSource source)
    {
        var records = new List<ExportRecord<Auth0PasswordHash>>();
        await foreach (var record in new PasswordHashReader().ReadAsync(source))
        {
            records.Add(record);
        }

        return records;
    }
}
