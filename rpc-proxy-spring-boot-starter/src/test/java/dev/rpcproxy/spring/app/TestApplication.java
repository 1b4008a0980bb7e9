package dev.rpcproxy.spring.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A plain Boot 4 web application with Actuator; its package's @RpcClient interfaces become beans. */
@SpringBootApplication
public class TestApplication {}
