// Creates (or resets) SCRAM-SHA-512 credentials on the local broker through Kafka's Admin API, as Strimzi's
// User Operator does for each KafkaUser in a cluster. infra.sh runs it with the broker's classpath:
//   java -cp '.local/kafka/libs/*' infra/local/kafka/ScramUsers.java 127.0.0.1:19092 user=password ...
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUsers {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ScramUsers <bootstrap host:port> <user=password>...");
      System.exit(2);
    }
    List<UserScramCredentialAlteration> upserts = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String[] pair = args[i].split("=", 2);
      if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
        System.err.println("not user=password: argument " + i);
        System.exit(2);
      }
      upserts.add(new UserScramCredentialUpsertion(pair[0], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), pair[1]));
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]))) {
      admin.alterUserScramCredentials(upserts).all().get();
    }
    System.out.println("SCRAM-SHA-512 credentials set for " + upserts.size() + " users");
  }
}
