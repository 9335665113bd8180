import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import java.util.List;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

/**
 * The local MongoDB-wire server: mongo-java-server on its H2 (MVStore) backend, so read models survive
 * a restart. Usage: MongoWireServer <host> <port> <data-file>
 */
public final class MongoWireServer {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: MongoWireServer <host> <port> <data-file>");
      System.exit(2);
    }
    H2Backend backend = new H2Backend(args[2]);
    // The MongoDB Node.js driver 7 (mongoose 9) refuses servers older than 4.4 (wire version 9); the newest
    // version mongo-java-server names is 4.2's wire version. The commands the project uses are proven by
    // libs/platform/src/infrastructure/mongo-wire.int-spec.ts.
    backend.version(new MongoVersion() {
      @Override public int getWireVersion() { return 9; }
      @Override public List<Integer> getVersionArray() { return List.of(4, 4, 0); }
    });
    MongoServer server = new MongoServer(backend);
    server.bind(args[0], Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdown();
      backend.close();
    }, "shutdown"));
    System.out.println("mongo-wire server listening on " + args[0] + ":" + args[1] + ", data in " + args[2]);
    Thread.currentThread().join();
  }
}
