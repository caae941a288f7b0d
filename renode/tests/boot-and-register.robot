*** Settings ***
Documentation       Boot and LwM2M registration of the rig's firmware on a real Renode.
...
...                 Run with Renode's test runner (from the repository root):
...                 renode-test renode/tests/boot-and-register.robot
...                 Firmware paths are variables; override them with --variable, e.g.
...                 renode-test renode/tests/boot-and-register.robot --variable FIRMWARE_DIR:$PWD/firmware-c/build/cc2538
...                 The registration test needs the rig's host side (SLIP bridge + LwM2M server) connected
...                 to the border node's UART socket: HOST_COMMAND, by default `rig server --no-prompt
...                 --uart tcp:127.0.0.1:${UART_PORT}` (skipped, with that reason, when set empty).
...                 Keyword timeouts are virtual seconds.

Suite Setup         Setup
Suite Teardown      Teardown
Test Setup          Reset Emulation
Test Teardown       Rig Test Teardown
Resource            ${RENODEKEYWORDS}
Library             Process
Library             OperatingSystem


*** Variables ***
${FIRMWARE_DIR}         ${CURDIR}/../../firmware-c/build/cc2538
${HELLO_ELF}            ${FIRMWARE_DIR}/hello.elf
${CLIENT_ELF}           ${FIRMWARE_DIR}/lwm2m-client.elf
${BORDER_ELF}           ${FIRMWARE_DIR}/slip-radio.elf
${UART}                 sysbus.uart0
${UART_PORT}            4444
# What the firmware prints (regular expressions); adjust to the images under test.
${HELLO_LINE}           lwm2m-rig hello
${CLIENT_BOOT_LINE}     lwm2m-client
${BORDER_UP}            slip-radio up
${REGISTERED_LINE}      lwm2m: registered
${HOST_COMMAND}         rig server --no-prompt --uart tcp:127.0.0.1:${UART_PORT}
${BOOT_TIMEOUT}         5
${REGISTER_TIMEOUT}     60


*** Keywords ***
Create Medium
    Execute Command     emulation SetSeed 1
    Execute Command     emulation CreateIEEE802_15_4Medium "wireless"
    Execute Command     wireless SetRangeWirelessFunction 100

Create CC2538 Node
    [Documentation]     One CC2538 with the rig's load steps; the EUI-64 is 00:12:4B:00:00:00:00:${index}
    ...                 stored as a real TI-programmed chip holds it (two little-endian words, OUI half first).
    [Arguments]         ${name}    ${elf}    ${index}    ${x}
    File Should Exist   ${elf}    firmware image not built: ${elf} (make -C firmware-c all)
    Execute Command     mach create "${name}"
    Execute Command     machine LoadPlatformDescription @platforms/cpus/cc2538.repl
    Execute Command     machine PyDevFromFile @scripts/pydev/rolling-bit.py 0x400D2004 0x4 True "sysctrl"
    Execute Command     connector Connect sysbus.radio wireless
    Execute Command     wireless SetPosition sysbus.radio ${x} 0 0
    Execute Command     sysbus WriteDoubleWord 0x00280028 0x00124B00
    Execute Command     sysbus WriteDoubleWord 0x0028002C ${index}
    Execute Command     sysbus LoadELF @${elf}
    # The vector table address from the CCA lock page's app-entry word, as the boot ROM does.
    Execute Command     cpu VectorTableOffset `sysbus ReadDoubleWord 0x0027FFDC`

Rig Test Teardown
    Terminate All Processes    kill=True
    Test Teardown


*** Test Cases ***
Hello Should Boot
    Create Medium
    Create CC2538 Node      hello    ${HELLO_ELF}    1    0
    ${hello}=               Create Terminal Tester    ${UART}    machine=hello
    Start Emulation
    Wait For Line On Uart   ${HELLO_LINE}    testerId=${hello}    timeout=${BOOT_TIMEOUT}    treatAsRegex=true

Client And Border Should Boot
    Create Medium
    Create CC2538 Node      client    ${CLIENT_ELF}    1    0
    ${client}=              Create Terminal Tester    ${UART}    machine=client
    Create CC2538 Node      border    ${BORDER_ELF}    2    10
    ${border}=              Create Terminal Tester    ${UART}    machine=border
    Start Emulation
    Wait For Line On Uart   ${CLIENT_BOOT_LINE}    testerId=${client}    timeout=${BOOT_TIMEOUT}    treatAsRegex=true
    # slip-radio logs are SLIP 'L' frames with no newline: match the unterminated line.
    Wait For Prompt On Uart    ${BORDER_UP}    testerId=${border}    timeout=${BOOT_TIMEOUT}

Client Should Register With The LwM2M Server
    Skip If                 not $HOST_COMMAND    no host side given: pass --variable HOST_COMMAND:"<bridge + LwM2M server connecting to 127.0.0.1:${UART_PORT}>"
    Create Medium
    Create CC2538 Node      client    ${CLIENT_ELF}    1    0
    ${client}=              Create Terminal Tester    ${UART}    machine=client
    Create CC2538 Node      border    ${BORDER_ELF}    2    10
    Execute Command         emulation CreateServerSocketTerminal ${UART_PORT} "border_uart0" false
    Execute Command         connector Connect sysbus.uart0 border_uart0
    Start Process           ${HOST_COMMAND}    shell=True    alias=host    stdout=${OUTPUT DIR}/host.log    stderr=STDOUT
    # Real-time pacing (no SetGlobalAdvanceImmediately): the host side runs on the wall clock.
    Start Emulation
    Wait For Line On Uart   ${REGISTERED_LINE}    testerId=${client}    timeout=${REGISTER_TIMEOUT}    treatAsRegex=true
    ${host}=                Get Process Object    host
    Should Be Equal         ${host.poll()}    ${None}    the host side exited early (see host.log)
